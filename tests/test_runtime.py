"""segen_lib.runtime: fast-mode flag, seeding and the report of setup()."""

import os
import random

import keras
import numpy as np
import pytest

from segen_lib import runtime


@pytest.mark.parametrize("value, expected", [
    ("1", True), ("true", True), ("YES", True), (" on ", True),
    ("", False), ("0", False), ("false", False), ("No", False), ("off", False),
])
def test_is_fast_reads_segen_fast(monkeypatch, value, expected):
    monkeypatch.setenv("SEGEN_FAST", value)
    assert runtime.is_fast() is expected


def test_is_fast_defaults_to_learner_mode(monkeypatch):
    monkeypatch.delenv("SEGEN_FAST", raising=False)
    assert runtime.is_fast() is False


def test_is_fast_rejects_other_values(monkeypatch):
    monkeypatch.setenv("SEGEN_FAST", "maybe")
    with pytest.raises(ValueError, match="SEGEN_FAST must be one of .* received 'maybe'"):
        runtime.is_fast()


def test_setup_reports_backend_versions_device_and_mode(monkeypatch, capsys):
    monkeypatch.setenv("SEGEN_FAST", "1")
    info = runtime.setup(seed=7)
    printed = capsys.readouterr().out
    assert info.backend == keras.backend.backend()
    assert info.keras_version == keras.__version__
    assert info.device in ("CPU", "GPU") and info.gpu == (info.device == "GPU")
    assert info.device_names
    assert info.fast is True and info.seed == 7 and info.deterministic is False
    assert printed.strip() == str(info)
    assert f"Keras {keras.__version__} on the {info.backend} backend" in printed
    assert "mode:   fast" in printed and "seed:   7" in printed


def test_setup_learner_mode_and_quiet(monkeypatch, capsys):
    monkeypatch.setenv("SEGEN_FAST", "0")
    info = runtime.setup(seed=0, verbose=False)
    assert info.fast is False
    assert capsys.readouterr().out == ""
    assert "mode:   learner" in str(info)


def test_setup_seeds_python_numpy_and_keras():
    def draw():
        return (random.random(), np.random.rand(),
                float(keras.ops.convert_to_numpy(keras.random.uniform(()))))

    runtime.setup(seed=123, verbose=False)
    first = draw()
    runtime.setup(seed=123, verbose=False)
    assert draw() == first
    runtime.setup(seed=124, verbose=False)
    assert draw() != first


@pytest.mark.parametrize("seed", [-1, 1.5, "42", True, None, float("nan")])
def test_setup_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match=f"seed must be an integer >= 0, received {seed!r}"):
        runtime.setup(seed=seed, verbose=False)


def test_setup_accepts_a_numpy_integer_seed():
    info = runtime.setup(seed=np.int64(5), verbose=False)
    assert info.seed == 5 and type(info.seed) is int


def test_mixed_precision_is_refused_on_cpu(capsys):
    info = runtime.setup(seed=1, mixed_precision=True)
    try:
        if info.gpu:
            assert keras.mixed_precision.global_policy().name == "mixed_float16"
        else:
            assert keras.mixed_precision.global_policy().name == "float32"
            assert "no GPU: staying in float32" in capsys.readouterr().out
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_report_metric_prints_the_line_the_course_runner_reads(capsys):
    assert runtime.report_metric("fid", 12.3456789) == "SEGEN_METRIC fid=12.35"
    assert capsys.readouterr().out == "SEGEN_METRIC fid=12.35\n"
    assert runtime.report_metric("mode", "fast") == "SEGEN_METRIC mode=fast"
    with pytest.raises(ValueError, match="metric name"):
        runtime.report_metric("test accuracy", 0.9)
    with pytest.raises(ValueError, match="metric value"):
        runtime.report_metric("note", "two words")


def test_the_compilation_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("SEGEN_JAX_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert runtime.compilation_cache_dir() == tmp_path / "segen" / "jax"
    monkeypatch.setenv("SEGEN_JAX_CACHE", str(tmp_path / "mine"))
    assert runtime.compilation_cache_dir() == tmp_path / "mine"
    for off in ("off", "0", "false", "No"):
        monkeypatch.setenv("SEGEN_JAX_CACHE", off)
        assert runtime.compilation_cache_dir() is None


def test_the_compilation_cache_is_for_jax_alone():
    if keras.backend.backend() == "jax":
        pytest.skip("under JAX, the next test checks what it does")
    assert runtime.enable_compilation_cache() is None


def test_a_second_process_under_jax_loads_what_the_first_compiled(tmp_path):
    """Two fresh processes build the same U-Net under JAX with one cache folder and predict with it:
    the second compiles nothing new."""
    import subprocess
    import sys

    code = ("import numpy as np\n"
            "from segen_lib import runtime\n"
            "runtime.setup(seed=0, verbose=False)\n"
            "from segen_lib.models import build_unet\n"
            "model = build_unet((16, 32, 3), num_classes=4, filters=(4, 8))\n"
            "model.predict(np.zeros((2, 16, 32, 3), 'float32'), verbose=0)\n")
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "SEGEN_JAX_CACHE": str(tmp_path / "cache")}
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    first = sorted(path.name for path in (tmp_path / "cache").iterdir())
    assert any(name.startswith("jit_predict") for name in first), first   # the prediction's program, at least
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    assert sorted(path.name for path in (tmp_path / "cache").iterdir()) == first


def test_pinned_versions_are_the_pins_of_pyproject():
    import tomllib

    project = tomllib.loads(runtime.PYPROJECT.read_text())["project"]
    pins = dict(line.split("==") for line in project["dependencies"])
    tested = runtime.pinned_versions()
    assert {name: tested[name] for name in pins} == pins
    assert tested["tensorflow"] == pins["tensorflow"] and "keras" in tested and "numpy" in tested
    assert tested["jax"] == project["optional-dependencies"]["jax"][0].split("==")[1]


def test_environment_report_rows_for_this_python():
    rows = runtime.environment_report()
    by_name = {row.name: row for row in rows}
    assert [row.name for row in rows][-2:] == ["backend", "device"]
    assert by_name["keras"].found == keras.__version__
    assert by_name["keras"].tested == runtime.pinned_versions()["keras"]
    assert by_name["backend"].found == keras.backend.backend() and by_name["backend"].status == "ok"
    assert by_name["device"].found.startswith(("CPU", "GPU"))
    for row in rows:
        assert row.status in ("ok", "differs", "missing", "untested")
        assert (row.advice == "") == (row.status == "ok"), row


def test_environment_report_says_what_to_do_when_a_version_differs_or_is_missing():
    rows = runtime.environment_report({"keras": "0.0.1", "numpy": np.__version__, "no-such-package": "1.0"})
    keras_row, numpy_row, missing = rows[:3]
    assert (keras_row.status, keras_row.tested, keras_row.found) == ("differs", "0.0.1", keras.__version__)
    assert "pip install -e ." in keras_row.advice
    assert numpy_row.status == "ok" and numpy_row.advice == ""
    assert (missing.status, missing.found) == ("missing", "not installed") and "pip install" in missing.advice


def test_environment_report_flags_an_untested_backend(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    rows = runtime.environment_report({})
    assert [(row.name, row.found, row.status) for row in rows][0] == ("backend", "torch", "untested")
    assert "KERAS_BACKEND=tensorflow" in rows[0].advice


@pytest.mark.parametrize("tested", [["keras==3.15.1"], {"keras": 3.15}])
def test_environment_report_rejects_a_tested_that_is_not_a_dict_of_strings(tested):
    with pytest.raises(ValueError, match="tested must be a dict of package names to version strings"):
        runtime.environment_report(tested)


def test_the_gpu_settings_switch_reports_a_gpu_on_any_machine(monkeypatch):
    monkeypatch.setenv("SEGEN_GPU_SETTINGS", "1")
    info = runtime.setup(seed=0, verbose=False)
    assert info.gpu and info.device == "GPU"
    assert "SEGEN_GPU_SETTINGS=1" in info.device_names[0]
    monkeypatch.setenv("SEGEN_GPU_SETTINGS", "maybe")
    with pytest.raises(ValueError, match="SEGEN_GPU_SETTINGS must be one of"):
        runtime.setup(seed=0, verbose=False)
