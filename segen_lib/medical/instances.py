"""From a segmentation mask to separate objects: connected components and watershed.

Introduced in ``notebooks/07_medical_imaging.ipynb``, where touching nuclei must be
counted one by one. Everything here is scikit-image and SciPy put together (labelling,
the Euclidean distance transform, ``peak_local_max``, ``watershed``, ``find_boundaries``);
the chapter explains each step and measures them with :mod:`segen_lib.metrics.instances`.

- :func:`connected_instances`: each connected region of the mask is one object. Touching
  objects merge into one.
- :func:`watershed_instances`: marker-controlled watershed. Markers are the maxima of the
  distance transform (the centres of round objects) or given by the caller; the
  watershed floods ``-distance`` from them inside the mask, so a neck between two round
  objects becomes a border (S. Beucher and F. Meyer, *The morphological approach to
  segmentation: the watershed transformation*, 1993).
- :func:`boundary_targets` and :func:`instances_from_classes`: the three-class trick of
  the 2018 Data Science Bowl's leading teams and of U-Net's own paper (O. Ronneberger et
  al., MICCAI 2015, which weighted the borders between touching cells): the network
  learns background, object interior and object boundary; interiors, which do not
  touch, are the markers of a watershed that gives the boundary pixels back to their
  objects.
"""

from __future__ import annotations

import numpy as np

from segen_lib import checks

BACKGROUND, INTERIOR, BOUNDARY = 0, 1, 2
BOUNDARY_CLASS_NAMES = ("background", "interior", "boundary")


def _mask(values, name: str = "mask") -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"{name} must be one non-empty 2-D mask (height, width), received shape "
                         f"{array.shape}.")
    if array.dtype != bool:
        if array.dtype.kind not in "iub" or not np.isin(array, (0, 1)).all():
            raise ValueError(f"{name} must be a binary mask (bool, or integers 0 and 1), received "
                             f"dtype {array.dtype} with values {np.unique(array)[:5].tolist()}; "
                             "threshold probabilities first (e.g. probabilities > 0.5).")
        array = array.astype(bool)
    return array


def _labels(values, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 2 or array.size == 0 or array.dtype.kind not in "iub" or array.min() < 0:
        raise ValueError(f"{name} must be one non-empty 2-D label image of integer ids >= 0 "
                         f"(0 = background), received shape {array.shape}, dtype {array.dtype}.")
    return array


def connected_instances(mask, min_size: int = 0) -> np.ndarray:
    """One object per 4-connected region of a binary mask.

    Args:
        mask: ``(height, width)`` bool (or 0/1 integer) foreground mask.
        min_size: regions of fewer pixels are dropped (noise); 0 keeps all.

    Returns:
        ``(height, width)`` int32 label image, objects numbered 1..n, 0 = background.

    Raises:
        ValueError: a mask that is not 2-D, empty or not binary; a negative ``min_size``.

    Example:
        >>> connected_instances(np.array([[1, 1, 0, 1]], bool)).tolist()
        [[1, 1, 0, 2]]
    """
    from skimage import measure, morphology

    mask = _mask(mask)
    min_size = checks.integer(min_size, "min_size", minimum=0)
    if min_size:
        mask = morphology.remove_small_objects(mask, max_size=min_size - 1, connectivity=1)
    return measure.label(mask, connectivity=1).astype(np.int32)


def watershed_instances(mask, min_distance: int = 5, markers=None, smoothing: float = 1.0,
                        min_size: int = 0) -> np.ndarray:
    """Split touching objects of a binary mask by marker-controlled watershed.

    Args:
        mask: ``(height, width)`` bool (or 0/1 integer) foreground mask.
        min_distance: smallest distance in pixels between two markers found as maxima
            of the distance transform (about the smallest object radius; ignored when
            ``markers`` is given).
        markers: optional ``(height, width)`` label image of seeds (integer ids, 0 =
            none), e.g. the connected interiors of :func:`instances_from_classes`;
            default: one seed per maximum of the distance transform.
        smoothing: standard deviation in pixels of a Gaussian applied to the distance
            transform before its maxima are taken (a ragged border makes spurious
            maxima); 0 disables it.
        min_size: objects of fewer pixels are dropped after the split.

    Returns:
        ``(height, width)`` int32 label image, 0 = background; every foreground pixel
        reachable from a marker gets that marker's id, and ids are renumbered 1..n.

    Raises:
        ValueError: a mask or markers that are not 2-D, empty, or of the wrong kind;
            markers of another shape; a bad ``min_distance``, ``smoothing`` or
            ``min_size``.

    Example:
        >>> yy, xx = np.mgrid[:20, :40]
        >>> two_discs = ((yy - 10) ** 2 + (xx - 12) ** 2 < 64) | ((yy - 10) ** 2 + (xx - 26) ** 2 < 64)
        >>> int(connected_instances(two_discs).max()), int(watershed_instances(two_discs).max())
        (1, 2)
    """
    from scipy import ndimage
    from skimage import feature, measure, segmentation

    mask = _mask(mask)
    min_distance = checks.integer(min_distance, "min_distance", minimum=1)
    smoothing = checks.number(smoothing, "smoothing", minimum=0)
    min_size = checks.integer(min_size, "min_size", minimum=0)
    distance = ndimage.distance_transform_edt(mask)
    if smoothing:
        distance = ndimage.gaussian_filter(distance, smoothing)
    if markers is None:
        regions = measure.label(mask, connectivity=1)
        peaks = feature.peak_local_max(distance, min_distance=min_distance, labels=regions,
                                       exclude_border=False)
        markers = np.zeros(mask.shape, np.int32)
        markers[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
    else:
        markers = _labels(markers, "markers")
        if markers.shape != mask.shape:
            raise ValueError(f"markers must have the mask's shape {mask.shape}, received "
                             f"{markers.shape}.")
        markers = np.where(mask, markers, 0)
    labels = segmentation.watershed(-distance, markers, mask=mask)
    if min_size:
        sizes = np.bincount(labels.ravel())
        labels[sizes[labels] < min_size] = 0
    return segmentation.relabel_sequential(labels)[0].astype(np.int32)


def boundary_targets(instances, width: int = 2) -> np.ndarray:
    """Three-class training targets from an instance label image: background, interior, boundary.

    Args:
        instances: ``(height, width)`` label image (integer ids, 0 = background), e.g.
            the human annotation of ``load_nuclei``.
        width: boundary thickness in pixels, taken inside each object
            (``skimage.segmentation.find_boundaries(mode="inner")``, then grown by
            ``width - 1`` pixels within the object).

    Returns:
        ``(height, width)`` uint8 mask: 0 background, 1 interior, 2 boundary
        (:data:`BOUNDARY_CLASS_NAMES`). ``targets > 0`` is exactly ``instances > 0``.

    Raises:
        ValueError: a label image that is not 2-D, empty or of integer ids; a binary mask
            of several regions (not instances: every object would share one id);
            ``width < 1``.

    Example:
        >>> boundary_targets(np.pad(np.ones((3, 3), int), 1), width=1)[1:4, 1:4].tolist()
        [[2, 2, 2], [2, 1, 2], [2, 2, 2]]
    """
    from skimage import segmentation

    instances = _labels(instances, "instances")
    width = checks.integer(width, "width", minimum=1)
    if instances.max() == 1:
        from scipy import ndimage

        if ndimage.label(instances)[1] > 1:
            raise ValueError("instances holds only 0 and 1 but several separate regions: a binary mask, "
                             "in which every object has the same id and touching objects have no "
                             "boundary between them. Pass the instance label image (one id per object, "
                             "e.g. load_nuclei's instances), or skimage.measure.label(mask) if the "
                             "objects do not touch.")
    foreground = instances > 0
    boundary = segmentation.find_boundaries(instances, connectivity=1, mode="inner") & foreground
    # Grow the boundary inside its own object only, never across into a neighbour: a pixel
    # joins when one of its 4-neighbours is a boundary pixel of the same object. (Whether
    # a pixel joins must not depend on how the objects are numbered.)
    rows, cols = instances.shape
    padded = np.pad(instances, 1)
    shifts = [(slice(1 + dr, 1 + dr + rows), slice(1 + dc, 1 + dc + cols))
              for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1))]
    for _ in range(width - 1):
        edge = np.pad(boundary, 1)
        grown = boundary.copy()
        for shift in shifts:
            grown |= edge[shift] & (padded[shift] == instances)
        boundary = grown & foreground
    targets = np.where(foreground, INTERIOR, BACKGROUND).astype(np.uint8)
    targets[boundary] = BOUNDARY
    return targets


def instances_from_classes(classes, min_size: int = 0, marker_min_size: int = 4) -> np.ndarray:
    """Objects from a three-class prediction (background, interior, boundary).

    The connected regions of the interior class are the markers (interiors of touching
    objects do not touch: the boundary class lies between them); a watershed on the
    distance transform of the foreground (interior or boundary) hands every boundary
    pixel to the nearest interior.

    Args:
        classes: ``(height, width)`` integer class map, values in {0, 1, 2}, e.g. the
            argmax of a three-class U-Net trained on :func:`boundary_targets`.
        min_size: objects of fewer pixels are dropped after the split.
        marker_min_size: interior regions of fewer pixels are not markers (noise).

    Returns:
        ``(height, width)`` int32 label image, 0 = background, ids 1..n.

    Raises:
        ValueError: a class map that is not 2-D, empty, or has values outside {0, 1, 2};
            bad sizes.

    Example:
        >>> classes = np.zeros((5, 9), int)
        >>> classes[1:4, 1:8] = 2          # one blob of boundary pixels ...
        >>> classes[2, 2] = classes[2, 6] = 1  # ... around two interiors
        >>> instances_from_classes(classes, marker_min_size=1)[2].tolist()
        [0, 1, 1, 1, 1, 2, 2, 2, 0]
    """
    from skimage import measure, morphology

    classes = _labels(classes, "classes")
    if classes.max() > BOUNDARY:
        raise ValueError("classes must hold 0 (background), 1 (interior) or 2 (boundary), "
                         f"received the value {int(classes.max())}; take the argmax of a "
                         "three-class prediction.")
    marker_min_size = checks.integer(marker_min_size, "marker_min_size", minimum=1)
    interior = classes == INTERIOR
    if marker_min_size > 1:
        interior = morphology.remove_small_objects(interior, max_size=marker_min_size - 1,
                                                   connectivity=1)
    markers = measure.label(interior, connectivity=1)
    return watershed_instances(classes > 0, markers=markers, smoothing=0, min_size=min_size)
