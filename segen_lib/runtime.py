"""Set a notebook up: seeds, backend and device report, fast mode.

Introduced in ``notebooks/00_setup.ipynb``; every chapter's setup cell calls
:func:`setup`.

Fast mode (``SEGEN_FAST=1``, set by the test suite and CI) runs the same code path
with tiny epochs and data, so the whole course executes in minutes.
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


def is_fast() -> bool:
    """Whether fast mode is on (environment variable ``SEGEN_FAST``).

    Raises:
        ValueError: if ``SEGEN_FAST`` holds something other than a yes/no value.
    """
    raw = os.environ.get("SEGEN_FAST", "").strip().lower()
    return checks.one_of(raw, "SEGEN_FAST", TRUE_VALUES + FALSE_VALUES) in TRUE_VALUES


FAST = is_fast()


def is_headless() -> bool:
    """Whether the notebook runs without a front end (environment variable ``SEGEN_HEADLESS``).

    The test suite and ``make course`` set ``SEGEN_HEADLESS=1``: nothing will draw a
    widget, so :mod:`segen_lib.viz.widgets` shows static figures instead.

    Raises:
        ValueError: if ``SEGEN_HEADLESS`` holds something other than a yes/no value.
    """
    raw = os.environ.get("SEGEN_HEADLESS", "").strip().lower()
    return checks.one_of(raw, "SEGEN_HEADLESS", TRUE_VALUES + FALSE_VALUES) in TRUE_VALUES


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

    Under this global seed, Keras's TensorFlow pipeline for NumPy arrays
    (``model.fit(x, y, shuffle=True)``) draws the same order in every epoch: the course
    feeds arrays to ``fit`` through :func:`segen_lib.batches.array_batches` instead.

    Args:
        seed: seed for Python's ``random``, NumPy and the Keras backend.
        deterministic: also make TensorFlow ops deterministic (TensorFlow backend
            only; it costs some speed). Needed for bit-exact resume checks.
        mixed_precision: use the ``mixed_float16`` policy, on a GPU only (on a CPU
            float16 is slower, so the request is ignored with a notice).
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

    backend = keras.backend.backend()
    enable_compilation_cache()   # under JAX, before anything is compiled
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
            print("mixed precision asked for, but no GPU: staying in float32 "
                  "(float16 is slower than float32 on a CPU).")
    info = RuntimeInfo(
        backend=backend, keras_version=keras.__version__, tensorflow_version=tf_version,
        python_version=platform.python_version(), device=device, device_names=names,
        fast=is_fast(), seed=seed, deterministic=bool(deterministic and backend == "tensorflow"),
    )
    if verbose:
        print(info)
    return info


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
