"""CT in physical units: Hounsfield units, display windows, tissues by HU range, areas in mm².

Introduced in ``notebooks/07_medical_imaging.ipynb``. A CT scanner measures X-ray
attenuation; the Hounsfield scale maps it linearly so that water is 0 HU and air is
−1000 HU. DICOM files store integers and the line that turns them into HU
(``RescaleSlope``, ``RescaleIntercept``; DICOM PS3.3 C.11.1.1.2): the shipped slices
already have it applied (``data/build_data.py``); chapter 07 applies
:func:`to_hounsfield` to ``data/CT_small.dcm`` read with pydicom, the file of ``ct_chest``. MR has no such scale: its values are
scanner units, and a threshold that works on one MR scan means nothing on another.

Windows and tissue ranges are the usual radiological values (display windows as listed
by Radiopaedia, *Windowing (CT)*; fat −190..−30 HU and muscle/soft tissue −29..+150 HU
from N. Mitsiopoulos et al., *Cadaver validation of skeletal muscle measurement by
magnetic resonance imaging and computerized tomography*, J. Appl. Physiol. 85, 115–122,
1998). They are for teaching, not for diagnosis.
"""

from __future__ import annotations

import math

import numpy as np

from segen_lib import checks

# name: (level, width) in HU; the window shows level ± width / 2 as black .. white.
WINDOWS = {
    "lung": (-600, 1500),
    "soft tissue": (40, 400),
    "bone": (400, 1800),
    "brain": (40, 80),
}

# (name, lowest HU, highest HU): half-open ranges [low, high) covering every value.
# Below -1024 HU is not tissue: scanners pad the outside of the reconstructed circle
# with a value like -2000 (ct_head does); 150..300 HU is dense tissue, contrast-filled
# vessels or partial bone, left unclassified rather than guessed.
HU_TISSUES = (
    ("outside scan", -math.inf, -1024),
    ("air", -1024, -190),  # outside air and lung
    ("fat", -190, -30),
    ("soft tissue", -30, 150),
    ("unclassified", 150, 300),
    ("bone", 300, math.inf),
)
HU_TISSUE_NAMES = tuple(name for name, _, _ in HU_TISSUES)


def to_hounsfield(stored, slope: float = 1.0, intercept: float = -1024.0) -> np.ndarray:
    """Stored CT values to Hounsfield units: ``HU = stored · slope + intercept``.

    Args:
        stored: array of the integers a DICOM file stores (any shape).
        slope: ``RescaleSlope`` (0028,1053), > 0.
        intercept: ``RescaleIntercept`` (0028,1052), in HU; -1024 is the most common.

    Returns:
        float64 array of the input's shape, in HU.

    Raises:
        ValueError: non-numeric or non-finite input, a slope that is not > 0, or stored
            values that already look like HU (down to -500 or below, with an intercept
            of -500 or below: converting them would subtract the intercept twice).

    Example:
        >>> to_hounsfield(np.array([0, 1024, 2024])).tolist()
        [-1024.0, 0.0, 1000.0]
    """
    stored = checks.finite(stored, "stored")
    slope = checks.number(slope, "slope", minimum=0, include_minimum=False)
    intercept = checks.number(intercept, "intercept")
    if stored.size and stored.min() <= -500 and intercept <= -500:
        raise ValueError(f"stored holds values down to {stored.min()}: these already look like "
                         f"Hounsfield units (air is about -1000), and adding the intercept {intercept} "
                         "again would put air near -2000. Use them as they are, or pass the values "
                         "the DICOM file stores (ds.pixel_array).")
    return stored.astype(np.float64) * slope + intercept


def _hu(values, name: str = "hu") -> np.ndarray:
    array = np.asarray(values)
    if array.size == 0 or array.dtype.kind not in "iuf":
        raise ValueError(f"{name} must be a non-empty numeric array of Hounsfield units, "
                         f"received shape {array.shape}, dtype {array.dtype}.")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ValueError(f"{name} holds NaN or infinite values; a CT slice in HU is finite.")
    if array.dtype.kind == "f" and np.abs(array).max() <= 1 and np.any(array != np.round(array)):
        raise ValueError(f"{name} holds values in {array.min():.3g}..{array.max():.3g}: display "
                         "intensities (already windowed, or normalised), not Hounsfield units, which "
                         "span about -1000 (air) to +1000 (bone). Window the slice in HU, e.g. "
                         "apply_window(to_hounsfield(stored), *WINDOWS['lung']).")
    if array.dtype.kind == "u":  # HU are signed: air is -1000, a scanner's padding lower still
        raise ValueError(f"{name} looks like stored values, not HU (unsigned, {array.min()}.."
                         f"{array.max()}); convert with to_hounsfield(stored, slope, intercept).")
    return array


def apply_window(hu, level: float, width: float) -> np.ndarray:
    """Map Hounsfield units to display intensities in [0, 1] through a window.

    Values at or below ``level - width / 2`` are black (0), at or above ``level + width
    / 2`` white (1), linear in between. (DICOM's own linear VOI function, PS3.3
    C.11.2.1.2, differs by half a unit at the ends.)

    Args:
        hu: array in HU (any shape).
        level: window centre in HU, e.g. ``WINDOWS["lung"][0]``.
        width: window width in HU, > 0.

    Returns:
        float32 array of the input's shape, values in [0, 1].

    Raises:
        ValueError: empty or non-numeric input, an unsigned array of stored values,
            values already windowed or normalised (fractions within [-1, 1]), or a width
            that is not > 0.

    Example:
        >>> apply_window(np.array([-1000, 40, 240, 1000]), *WINDOWS["soft tissue"]).tolist()
        [0.0, 0.5, 1.0, 1.0]
    """
    hu = _hu(hu)
    level = checks.number(level, "level")
    width = checks.number(width, "width", minimum=0, include_minimum=False)
    low = level - width / 2
    return np.clip((hu.astype(np.float64) - low) / width, 0.0, 1.0).astype(np.float32)


def tissue_labels(hu) -> np.ndarray:
    """Label every pixel by the HU range it falls in (:data:`HU_TISSUES`).

    Args:
        hu: CT slice in HU (any shape).

    Returns:
        uint8 array of the input's shape: the index into :data:`HU_TISSUE_NAMES`.

    Raises:
        ValueError: as :func:`apply_window`.

    Example:
        >>> [HU_TISSUE_NAMES[k] for k in tissue_labels(np.array([-2000, -1000, -100, 40, 200, 700]))]
        ['outside scan', 'air', 'fat', 'soft tissue', 'unclassified', 'bone']
    """
    hu = _hu(hu)
    edges = [low for _, low, _ in HU_TISSUES[1:]]
    return np.searchsorted(edges, hu, side="right").astype(np.uint8)


def tissue_areas(labels, pixel_spacing) -> dict[str, float]:
    """Area of every tissue class in mm², from the labels and the pixel spacing.

    Args:
        labels: output of :func:`tissue_labels` (uint8, values < ``len(HU_TISSUES)``).
        pixel_spacing: ``(row spacing, column spacing)`` in mm, as DICOM's
            ``PixelSpacing`` (0028,0030); both > 0.

    Returns:
        ``{tissue name: area in mm²}`` for every class of :data:`HU_TISSUES`.

    Raises:
        ValueError: labels that are not tissue labels, or a spacing that is not two
            positive numbers.

    Example:
        >>> labels = tissue_labels(np.array([[-1000, 40], [40, 700]]))
        >>> tissue_areas(labels, (0.5, 0.5))["soft tissue"]
        0.5
    """
    labels = np.asarray(labels)
    if labels.size == 0 or labels.dtype.kind not in "iu" or labels.min() < 0 \
            or labels.max() >= len(HU_TISSUES):
        raise ValueError("labels must be the output of tissue_labels (integers 0.."
                         f"{len(HU_TISSUES) - 1}), received dtype {labels.dtype}, shape {labels.shape}.")
    spacing = np.asarray(pixel_spacing, dtype=np.float64).ravel()
    if spacing.shape != (2,) or not np.all(np.isfinite(spacing)) or np.any(spacing <= 0):
        raise ValueError("pixel_spacing must be (row spacing, column spacing) in mm, two "
                         f"positive numbers, received {pixel_spacing!r}.")
    counts = np.bincount(labels.ravel(), minlength=len(HU_TISSUES))
    return {name: float(count * spacing[0] * spacing[1])
            for name, count in zip(HU_TISSUE_NAMES, counts)}
