"""Shared test set-up: fast mode for everything, notebooks included.

Kernels started by nbval inherit this process's environment, so setting
SEGEN_FAST here puts every notebook in fast mode (and SEGEN_HEADLESS
makes widgets show static figures).
"""

import os

os.environ["SEGEN_FAST"] = "1"
os.environ["SEGEN_HEADLESS"] = "1"   # no front end draws widgets: they show static figures
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")
# Under JAX, compiled programs are kept in build/ (not the user's cache), shared by every
# test and notebook kernel of the run (segen_lib.runtime.enable_compilation_cache).
os.environ.setdefault("SEGEN_JAX_CACHE", os.path.join(os.path.dirname(os.path.abspath(__file__)), "build", "jax-cache"))

import pytest  # noqa: E402


def pytest_configure(config):
    """Under JAX, turn the compilation cache on for the test process too (notebooks call setup())."""
    if os.environ.get("KERAS_BACKEND") == "jax":
        from segen_lib import runtime

        runtime.enable_compilation_cache()


@pytest.fixture(autouse=True)
def close_figures():
    """Close every matplotlib figure a test made (they are kept open otherwise)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
