"""Figures for the course; every function returns a matplotlib Figure."""

from segen_lib.viz.images import image_grid, mask_overlay, to_display, training_curves

__all__ = ["image_grid", "mask_overlay", "to_display", "training_curves"]
