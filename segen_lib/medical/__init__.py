"""Medical imaging: CT values in Hounsfield units, microscopy tiles, and objects (instances).

- :mod:`~segen_lib.medical.hounsfield`: stored CT values to Hounsfield units, display
  windows, tissues by HU range and their areas in mm² (chapter 07).
- :mod:`~segen_lib.medical.microscopy`: a leak-free split of one annotated image into
  quadrants, and random tiles from it (chapter 07).
- :mod:`~segen_lib.medical.instances`: from a semantic mask to separate objects (connected
  components, marker-controlled watershed, boundary targets) (chapter 07).

How objects are matched and scored (the DSB score, AP) is in :mod:`segen_lib.metrics.instances`.
"""

from segen_lib.medical.hounsfield import (
                                          HU_TISSUE_NAMES,
                                          HU_TISSUES,
                                          WINDOWS,
                                          apply_window,
                                          tissue_areas,
                                          tissue_labels,
                                          to_hounsfield,
)
from segen_lib.medical.instances import (
                                          BOUNDARY_CLASS_NAMES,
                                          boundary_targets,
                                          connected_instances,
                                          instances_from_classes,
                                          watershed_instances,
)
from segen_lib.medical.microscopy import (
                                          QUADRANTS,
                                          QuadrantSplit,
                                          TileSampler,
                                          dihedral,
                                          quadrant_slices,
                                          quadrant_split,
)

__all__ = [
    "HU_TISSUE_NAMES", "HU_TISSUES", "WINDOWS", "apply_window", "tissue_areas", "tissue_labels",
    "to_hounsfield",
    "QUADRANTS", "QuadrantSplit", "TileSampler", "dihedral", "quadrant_slices", "quadrant_split",
    "BOUNDARY_CLASS_NAMES", "boundary_targets", "connected_instances", "instances_from_classes",
    "watershed_instances",
]
