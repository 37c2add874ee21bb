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

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    """Close every matplotlib figure a test made (they are kept open otherwise)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
