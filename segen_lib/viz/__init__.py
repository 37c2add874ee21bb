"""Figures for the course; every function returns a matplotlib Figure (the widgets of widgets.py: objects
that display as ipywidgets, or as a static figure headless)."""

from segen_lib.viz.cnn import feature_maps, plot_confusion_matrix
from segen_lib.viz.images import class_legend, image_grid, mask_overlay, to_display, training_curves
from segen_lib.viz.robustness import robustness_curves
from segen_lib.viz.toy import curves, gan_1d_panels, scatter_panels
from segen_lib.viz.widgets import LatentExplorer, LayoutEditor, SegmentationExplorer

__all__ = [
    "plot_confusion_matrix", "feature_maps",
    "class_legend", "image_grid", "mask_overlay", "to_display", "training_curves",
    "robustness_curves",
    "curves", "gan_1d_panels", "scatter_panels",
    "LayoutEditor", "SegmentationExplorer", "LatentExplorer",
]
