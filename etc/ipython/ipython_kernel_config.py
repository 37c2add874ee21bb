# The course's Jupyter kernels. `make` installs this file as
# .venv/etc/ipython/ipython_kernel_config.py (with conda, copy it to $CONDA_PREFIX/etc/ipython/).
#
# What the kernel process itself writes to its file descriptors (TensorFlow's and XLA's C++
# logging, such as "Could not find cuda drivers" or "failed call to cuInit" on a machine
# without a GPU) goes to the terminal that started Jupyter, or to build/logs/ under
# `make course`, instead of into the notebook. Python's warnings and each cell's prints and
# errors still appear in the notebook.
c.IPKernelApp.capture_fd_output = False  # noqa: F821 - `c` is the config object IPython provides
