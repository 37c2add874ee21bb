"""Wall-clock training budget shared by the benchmarks (unet.py, gan.py, pix2pix.py).

The callback is the course's own, :class:`segen_lib.callbacks.TimeBudget`.
"""

from segen_lib.callbacks import TimeBudget

__all__ = ["TimeBudget"]
