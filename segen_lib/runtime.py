"""Set a notebook up: seeds, backend and device report, fast mode.

Introduced in ``notebooks/00_setup.ipynb``; every chapter's setup cell calls
:func:`setup`.

Fast mode (``SEGEN_FAST=1``, set by the test suite and CI) runs the same code path
with tiny epochs and data, so the whole course executes in minutes.

The GPU settings (``SEGEN_GPU_SETTINGS=1``, set by ``make test-gpu-settings``) make
:func:`setup` report a GPU on any machine, so that every notebook takes the branch it
takes on a GPU (larger images, deeper networks, XLA) and CI executes it on a CPU.
"""

from __future__ import annotations

import contextlib
import os
import platform
import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from segen_lib import checks

TRUE_VALUES = ("1", "true", "yes", "on")
FALSE_VALUES = ("", "0", "false", "no", "off")
METRIC_PREFIX = "SEGEN_METRIC"
"""How a line that :func:`report_metric` prints starts."""


@contextlib.contextmanager
def quiet_tensorflow():
    """Hide TensorFlow's Python log messages below ERROR inside the block, then restore the level.

    For library calls whose TensorFlow internals log what a learner cannot act on (a
    converter's asset paths, a strategy's every all-reduce). Does nothing under
    another backend.
    """
    import keras

    if keras.backend.backend() != "tensorflow":
        yield
        return
    import tensorflow as tf

    level = tf.get_logger().level
    tf.get_logger().setLevel("ERROR")
    try:
        yield
    finally:
        tf.get_logger().setLevel(level)


def _switch(variable: str) -> bool:
    """The yes/no environment ``variable`` (unset: no); ValueError for another value."""
    raw = os.environ.get(variable, "").strip().lower()
    return checks.one_of(raw, variable, TRUE_VALUES + FALSE_VALUES) in TRUE_VALUES


def is_fast() -> bool:
    """Whether fast mode is on (environment variable ``SEGEN_FAST``).

    Raises:
        ValueError: if ``SEGEN_FAST`` holds something other than a yes/no value.
    """
    return _switch("SEGEN_FAST")


FAST = is_fast()


def is_headless() -> bool:
    """Whether the notebook runs without a front end (environment variable ``SEGEN_HEADLESS``).

    The test suite and ``make course`` set ``SEGEN_HEADLESS=1``: nothing will draw a
    widget, so :mod:`segen_lib.viz.widgets` shows static figures instead.

    Raises:
        ValueError: if ``SEGEN_HEADLESS`` holds something other than a yes/no value.
    """
    return _switch("SEGEN_HEADLESS")


def gpu_settings_forced() -> bool:
    """Whether ``SEGEN_GPU_SETTINGS`` asks for the GPU settings without a GPU.

    With it, :func:`setup` reports ``device="GPU"``: the notebooks choose their GPU sizes
    and XLA, and run them on whatever device there is (the CPU in CI). Combined with
    fast mode it checks the GPU branch of every chapter in minutes.

    Raises:
        ValueError: if ``SEGEN_GPU_SETTINGS`` holds something other than a yes/no value.
    """
    return _switch("SEGEN_GPU_SETTINGS")


@dataclass(frozen=True)
class RuntimeInfo:
    """What :func:`setup` found; printed as one line per field."""

    backend: str
    keras_version: str
    tensorflow_version: str | None
    python_version: str
    device: str  # "GPU" or "CPU"
    device_names: tuple[str, ...]
    fast: bool
    seed: int
    deterministic: bool

    @property
    def gpu(self) -> bool:
        return self.device == "GPU"

    def __str__(self) -> str:
        mode = "fast (SEGEN_FAST=1: tiny epochs and data)" if self.fast else "learner"
        devices = ", ".join(self.device_names) or "none found"
        return "\n".join([
            f"Keras {self.keras_version} on the {self.backend} backend"
            + (f" (TensorFlow {self.tensorflow_version})" if self.tensorflow_version else ""),
            f"Python {self.python_version}",
            f"device: {self.device} ({devices})",
            f"mode:   {mode}",
            f"seed:   {self.seed}" + (" (deterministic ops)" if self.deterministic else ""),
        ])


JAX_CACHE_VARIABLE = "SEGEN_JAX_CACHE"
"""Environment variable: the folder of JAX's compilation cache, or ``off`` (see :func:`enable_compilation_cache`)."""


def compilation_cache_dir() -> Path | None:
    """The folder :func:`enable_compilation_cache` uses, or None when it is turned off.

    ``SEGEN_JAX_CACHE`` names it (``off``, ``0``, ``false`` or ``no`` turn the cache off);
    by default it is ``segen/jax`` in the user's cache folder (``$XDG_CACHE_HOME``, else
    ``~/.cache``).
    """
    value = os.environ.get(JAX_CACHE_VARIABLE)
    if value is not None:
        if value.strip().lower() in FALSE_VALUES + ("off",):
            return None
        return Path(value).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "segen" / "jax"


def enable_compilation_cache(folder: str | Path | None = None) -> Path | None:
    """Keep JAX's XLA compilations on disk, so that a model's second start is warm.

    Under JAX every first use of an operation on a new shape is compiled by XLA, the random
    initialiser of each layer included: building a small U-Net costs seconds where
    TensorFlow takes a tenth of one (``benchmarks/startup.py``). JAX's persistent
    compilation cache stores each compiled program under a key of the program and its
    compiler, so every later process that compiles the same program (another chapter
    building the same layers, the same chapter run again) loads it instead. Every program
    is cached, however quick its compilation. :func:`setup` calls this under JAX; under
    another backend it does nothing. A ``JAX_COMPILATION_CACHE_DIR`` set by the user wins.

    Args:
        folder: the cache folder; default :func:`compilation_cache_dir`. It is created,
            readable and writable by the user alone (JAX trusts what it loads from there).

    Returns:
        The folder in use, or None (another backend, or the cache turned off with
        ``SEGEN_JAX_CACHE=off``).
    """
    import keras

    if keras.backend.backend() != "jax":
        return None
    import jax

    if os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        return Path(os.environ["JAX_COMPILATION_CACHE_DIR"])
    folder = compilation_cache_dir() if folder is None else Path(folder).expanduser()
    if folder is None:
        return None
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return folder


def _devices(backend: str) -> tuple[str, tuple[str, ...]]:
    if gpu_settings_forced():
        return "GPU", (f"none: SEGEN_GPU_SETTINGS=1 runs the GPU settings on {os.cpu_count()} CPU cores",)
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            return "GPU", tuple(g.name for g in gpus)
        return "CPU", (f"{os.cpu_count()} CPU cores",)
    if backend == "jax":
        import jax

        devices = jax.devices()
        kind = "GPU" if any(d.platform == "gpu" for d in devices) else "CPU"
        return kind, tuple(str(d) for d in devices)
    if backend == "torch":
        import torch

        if torch.cuda.is_available():
            return "GPU", (torch.cuda.get_device_name(0),)
        return "CPU", (f"{os.cpu_count()} CPU cores",)
    return "CPU", (f"{os.cpu_count()} CPU cores",)


def setup(seed: int = 42, deterministic: bool = False, mixed_precision: bool = False,
          verbose: bool = True) -> RuntimeInfo:
    """Seed every random generator and report backend, versions, device and mode.

    Under JAX it also keeps XLA's compilations on disk (:func:`enable_compilation_cache`)
    and draws every model's initial weights with NumPy instead of compiling each layer's
    initialiser (:func:`segen_lib.initial_weights.draw_initial_weights_with_numpy`); the
    weights keep Keras's distributions and seeds. Nothing of this changes TensorFlow.

    Under this global seed, Keras's TensorFlow pipeline for NumPy arrays
    (``model.fit(x, y, shuffle=True)``) draws the same order in every epoch: the course
    feeds arrays to ``fit`` through :func:`segen_lib.batches.array_batches` instead.

    Args:
        seed: seed for Python's ``random``, NumPy and the Keras backend.
        deterministic: also make TensorFlow ops deterministic (TensorFlow backend
            only; it costs some speed). Needed for bit-exact resume checks.
        mixed_precision: use the ``mixed_float16`` policy, on a GPU only (whether a CPU
            gains from half precision depends on the processor, as chapter 11 measures,
            so on a CPU the request is ignored with a notice).
        verbose: print the report.

    Returns:
        A :class:`RuntimeInfo` (also printed when ``verbose``).

    Example:
        >>> info = setup(seed=0, verbose=False)
        >>> info.seed
        0
    """
    seed = checks.integer(seed, "seed", minimum=0)
    import keras

    from segen_lib import initial_weights   # here: importing runtime must not import Keras

    backend = keras.backend.backend()
    enable_compilation_cache()   # under JAX, before anything is compiled
    initial_weights.draw_initial_weights_with_numpy()   # under JAX: no compilation per initialiser
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)
    tf_version = None
    if backend == "tensorflow":
        import tensorflow as tf

        tf_version = tf.__version__
        if deterministic:
            tf.config.experimental.enable_op_determinism()
    else:
        try:
            import tensorflow as tf  # noqa: F401  (only for its version, if installed)

            tf_version = tf.__version__
        except ImportError:
            tf_version = None
    device, names = _devices(backend)
    if mixed_precision:
        if device == "GPU":
            keras.mixed_precision.set_global_policy("mixed_float16")
        elif verbose:
            print("mixed precision asked for, but no GPU: staying in float32 (whether this "
                  "CPU gains from half precision depends on its arithmetic units: measure it "
                  "as chapter 11 does).")
    info = RuntimeInfo(
        backend=backend, keras_version=keras.__version__, tensorflow_version=tf_version,
        python_version=platform.python_version(), device=device, device_names=names,
        fast=is_fast(), seed=seed, deterministic=bool(deterministic and backend == "tensorflow"),
    )
    if verbose:
        print(info)
    return info


PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
"""The file that pins the versions the course was tested with (``[project] dependencies``)."""

TESTED_BACKENDS = ("tensorflow", "jax")
"""The Keras backends every chapter is tested under."""

INSTALL_ADVICE = "install the tested versions: pip install -e . in the course folder (make lab does it)"


@dataclass(frozen=True)
class EnvironmentRow:
    """One line of :func:`environment_report`: what was tested, what this Python has, what to do."""

    name: str       # a package, "backend" or "device"
    tested: str     # the tested version, or the tested choices
    found: str      # what is installed or in use here; "not installed" when missing
    status: str     # "ok", "differs", "missing" or "untested"
    advice: str     # what to do; empty when the status is "ok"


def _pinned(line: str) -> tuple[str, str] | None:
    """``("jax", "0.10.2")`` from ``"jax[cpu]==0.10.2"``; None for a line without an exact pin."""
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*==\s*([^;\s]+)\s*(;.*)?", line)
    return (match.group(1).lower(), match.group(3)) if match else None


def pinned_versions() -> dict[str, str]:
    """The package versions the course was tested with, read from ``pyproject.toml``'s pins.

    The runtime dependencies (``[project] dependencies``) and the ``jax`` extra, in that
    order. ``pyproject.toml`` is the one place these versions are written; without the
    course folder (or on Python 3.10, which has no ``tomllib``) they are read from the
    installed package's metadata, which pip copied from the same file.

    Returns:
        ``{package name (lower case): version}``, e.g. ``{"tensorflow": "2.21.0", ...}``.

    Raises:
        ValueError: if neither ``pyproject.toml`` nor the installed package can be read.

    Source: chapter 00 (``notebooks/00_setup.ipynb``).

    Example:
        >>> "keras" in pinned_versions()
        True
    """
    lines = None
    try:
        import tomllib

        project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
        lines = project["dependencies"] + project.get("optional-dependencies", {}).get("jax", [])
    except (ImportError, OSError):
        from importlib import metadata

        try:
            requirements = metadata.requires("segen-lib") or []
        except metadata.PackageNotFoundError:
            raise ValueError(f"the tested versions are in {PYPROJECT}, which cannot be read, and the "
                             "package segen-lib is not installed; run pip install -e . in the course "
                             "folder.") from None
        lines = [line for line in requirements if "extra" not in line or '"jax"' in line]
    pins = (_pinned(line) for line in lines)
    return dict(pin for pin in pins if pin is not None)


def _installed_version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def environment_report(tested: dict[str, str] | None = None) -> list[EnvironmentRow]:
    """Compare this Python's packages, Keras backend and device with what the course was tested on.

    One row per pinned package (installed version against the pin; JAX only when it is
    installed or is the backend), then the backend and the device. A package that
    differs usually still works; the advice says how to get the tested one when a cell
    fails or a result looks wrong.

    Args:
        tested: ``{package: version}`` to compare with; default :func:`pinned_versions`.

    Returns:
        A list of :class:`EnvironmentRow`, packages first, then ``backend`` and ``device``.

    Raises:
        ValueError: if ``tested`` is not a dict of strings, or the pins cannot be read.

    Source: chapter 00 (``notebooks/00_setup.ipynb``).

    Example:
        >>> rows = environment_report({"keras": "3.15.1"})
        >>> [row.name for row in rows]
        ['keras', 'backend', 'device']
    """
    if tested is None:
        tested = pinned_versions()
    elif not (isinstance(tested, dict) and all(isinstance(k, str) and isinstance(v, str)
                                               for k, v in tested.items())):
        raise ValueError(f"tested must be a dict of package names to version strings, received {tested!r}.")
    import keras

    backend = keras.backend.backend()
    rows = []
    for name, version in tested.items():
        found = _installed_version(name)
        if name == "jax" and found is None and backend != "jax":
            continue  # optional: only the JAX backend needs it
        if found == version:
            rows.append(EnvironmentRow(name, version, found, "ok", ""))
        elif found is None:
            rows.append(EnvironmentRow(name, version, "not installed", "missing", INSTALL_ADVICE))
        else:
            rows.append(EnvironmentRow(name, version, found, "differs",
                                       "usually fine; if a cell fails or a result looks wrong, " + INSTALL_ADVICE))
    if backend in TESTED_BACKENDS:
        rows.append(EnvironmentRow("backend", " or ".join(TESTED_BACKENDS), backend, "ok", ""))
    else:
        rows.append(EnvironmentRow("backend", " or ".join(TESTED_BACKENDS), backend, "untested",
                                   "restart the kernel with KERAS_BACKEND=tensorflow set before Keras is imported"))
    device, names = _devices(backend) if backend in TESTED_BACKENDS else ("CPU", ())
    found = f"{device} ({', '.join(names)})" if names else device
    rows.append(EnvironmentRow("device", "CPU or GPU", found, "ok", ""))
    return rows


def report_metric(name: str, value: float, digits: int = 4) -> str:
    """Print a chapter's key result as a tagged line, ``SEGEN_METRIC name=value``.

    The course runner (``python -m segen_course run``) collects these lines from the executed
    notebooks into ``build/report.md``; in JupyterLab the line is simply printed.

    Args:
        name: metric name, e.g. ``"test_accuracy"`` (letters, digits, ``_ . -``).
        value: a number (formatted with ``digits`` significant digits) or a string
            without spaces.
        digits: significant digits for a float.

    Returns:
        The printed line, e.g. ``"SEGEN_METRIC test_accuracy=0.9012"``.

    Example:
        >>> line = report_metric("test_accuracy", 0.90123)
        SEGEN_METRIC test_accuracy=0.9012
    """
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", str(name)):
        raise ValueError(f"metric name must use only letters, digits, '_', '.', '-'; received {name!r}.")
    if isinstance(value, str):
        text = value
    else:
        text = f"{float(value):.{digits}g}"
    if not text or any(ch.isspace() for ch in text):
        raise ValueError(f"metric value must be a number or a string without spaces, received {value!r}.")
    line = f"{METRIC_PREFIX} {name}={text}"
    print(line)
    return line
