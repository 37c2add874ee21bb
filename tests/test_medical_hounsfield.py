"""segen_lib.medical.hounsfield: HU conversion, display windows, tissue ranges and areas, with
known values and on the shipped CT slices."""

import math

import numpy as np
import pytest

from segen_lib import datasets
from segen_lib.medical import (HU_TISSUE_NAMES, HU_TISSUES, WINDOWS, apply_window, tissue_areas,
                               tissue_labels, to_hounsfield)


def _label(name: str) -> int:
    return HU_TISSUE_NAMES.index(name)


def test_to_hounsfield_known_values():
    stored = np.array([[0, 24], [1024, 2024]], np.uint16)
    hu = to_hounsfield(stored)  # default slope 1, intercept -1024
    assert hu.dtype == np.float64 and hu.shape == (2, 2)
    assert hu.tolist() == [[-1024.0, -1000.0], [0.0, 1000.0]]  # air -1000, water 0
    assert to_hounsfield(np.array([500, 0]), slope=2.0, intercept=-1000.0).tolist() == [0.0, -1000.0]
    assert to_hounsfield(np.array([10]), slope=0.5, intercept=0).tolist() == [5.0]
    assert to_hounsfield(7, intercept=-7).shape == ()


@pytest.mark.parametrize("name", list(WINDOWS))
def test_window_maps_its_ends_and_centre(name):
    level, width = WINDOWS[name]
    assert width > 0
    low, high = level - width / 2, level + width / 2
    hu = np.array([low - 500, low, level - width / 4, level, high, high + 500], np.float64)
    shown = apply_window(hu, level, width)
    assert shown.dtype == np.float32 and shown.shape == hu.shape
    np.testing.assert_allclose(shown, [0, 0, 0.25, 0.5, 1, 1], atol=1e-6)


def test_window_is_monotone_and_clipped():
    hu = np.linspace(-3000, 3000, 603).reshape(3, 201)
    shown = apply_window(hu, *WINDOWS["lung"])
    assert shown.shape == hu.shape
    assert shown.min() == 0 and shown.max() == 1
    assert (np.diff(shown.ravel()) >= 0).all()
    assert apply_window(np.array([-1000, 40, 240, 1000], np.int16),
                        *WINDOWS["soft tissue"]).tolist() == [0.0, 0.5, 1.0, 1.0]


def test_tissue_ranges_are_contiguous_and_cover_every_value():
    assert HU_TISSUE_NAMES == tuple(name for name, _, _ in HU_TISSUES)
    assert len(set(HU_TISSUE_NAMES)) == len(HU_TISSUES)
    assert HU_TISSUES[0][1] == -math.inf and HU_TISSUES[-1][2] == math.inf
    for (_, low, high), (_, next_low, _) in zip(HU_TISSUES, HU_TISSUES[1:]):
        assert low < high == next_low
    assert HU_TISSUES[_label("fat")][1:] == (-190, -30)  # Mitsiopoulos et al.


@pytest.mark.parametrize("index", range(1, len(HU_TISSUES)))
def test_tissue_labels_at_and_just_below_each_edge(index):
    edge = HU_TISSUES[index][1]
    labels = tissue_labels(np.array([edge, np.nextafter(edge, -np.inf), edge - 1.0, edge + 0.5]))
    assert labels.dtype == np.uint8
    assert labels.tolist() == [index, index - 1, index - 1, index]  # ranges are [low, high)


def test_tissue_labels_of_typical_values():
    hu = np.array([[-2000, -1000, -100], [40, 200, 700]], np.int16)
    labels = tissue_labels(hu)
    assert labels.shape == hu.shape
    assert [HU_TISSUE_NAMES[k] for k in labels.ravel()] == [
        "outside scan", "air", "fat", "soft tissue", "unclassified", "bone"]
    assert tissue_labels(np.array([-1e9, 1e9])).tolist() == [0, len(HU_TISSUES) - 1]


def test_tissue_areas_use_both_spacings():
    hu = np.array([[-1000, -1000, 40], [40, 40, 700]])
    labels = tissue_labels(hu)
    areas = tissue_areas(labels, (0.5, 2.0))  # a pixel is 0.5 mm × 2 mm = 1 mm²
    assert list(areas) == list(HU_TISSUE_NAMES)
    assert areas == {"outside scan": 0.0, "air": 2.0, "fat": 0.0, "soft tissue": 3.0,
                     "unclassified": 0.0, "bone": 1.0}
    assert sum(areas.values()) == pytest.approx(labels.size * 0.5 * 2.0)
    assert tissue_areas(labels, (0.5, 0.5))["soft tissue"] == pytest.approx(0.75)
    assert tissue_areas(labels, (2.0, 2.0))["soft tissue"] == pytest.approx(12.0)
    assert tissue_areas(labels, np.array([2.0, 0.5]))["air"] == pytest.approx(2.0)


def test_shipped_ct_head_padding_is_outside_the_scan():
    head = datasets.load_medical_slices()["ct_head"]
    padding = head == -2000
    assert padding[0, 0] and padding[-1, -1]  # the corners, outside the reconstructed circle
    assert 0.1 < padding.mean() < 0.4
    labels = tissue_labels(head)
    assert (labels[padding] == _label("outside scan")).all()
    assert (labels[head >= -1024] != _label("outside scan")).all()
    shown = apply_window(head, *WINDOWS["brain"])
    assert (shown[padding] == 0).all() and shown.max() == 1


def test_shipped_ct_chest_holds_air_fat_soft_tissue_and_bone():
    chest = datasets.load_medical_slices()["ct_chest"]
    labels = tissue_labels(chest)
    counts = np.bincount(labels.ravel(), minlength=len(HU_TISSUES))
    for tissue in ("air", "fat", "soft tissue", "bone"):
        assert counts[_label(tissue)] > 500, tissue  # of 128 × 128 pixels
    assert counts[_label("outside scan")] == 0
    spacing = datasets.medical_pixel_spacing("ct_chest")
    areas = tissue_areas(labels, spacing)
    assert sum(areas.values()) == pytest.approx(chest.size * spacing[0] * spacing[1])
    assert areas["air"] == pytest.approx(counts[_label("air")] * 0.661468 ** 2)


@pytest.mark.parametrize("call, match", [
    (lambda: to_hounsfield(np.array([0, 1]), slope=0), r"slope must be a number in \(0, inf\], received 0"),
    (lambda: to_hounsfield(np.array([0, 1]), slope=-1.0), "slope must be a number in"),
    (lambda: to_hounsfield(np.array([0.0, np.nan])), "stored holds 1 NaN and 0 infinite value"),
    (lambda: to_hounsfield(np.array(["a"])), "stored must hold numbers"),
    (lambda: apply_window(np.array([0.0, np.nan]), 40, 400), "hu holds NaN or infinite values"),
    (lambda: apply_window(np.array([0, 40]), 40, 0), r"width must be a number in \(0, inf\], received 0"),
    (lambda: apply_window(np.array([0, 40]), 40, -400), "width must be a number in"),
    (lambda: apply_window(np.array([], np.int16), 40, 400), "hu must be a non-empty numeric array"),
    (lambda: apply_window(np.array([0, 24, 1024, 2024, 4095], np.uint16), 40, 400),
     r"looks like stored values, not HU \(unsigned, 0..4095\); convert with to_hounsfield"),
    (lambda: apply_window(np.array([0, 500], np.uint16), 40, 400), "looks like stored values"),
    (lambda: tissue_labels(np.array([1024, 2024], np.uint16)), "looks like stored values"),
    (lambda: tissue_labels(np.array([True, False])), "must be a non-empty numeric array"),
    # Values already windowed (display intensities) are not HU: windowing them again is a flat grey.
    (lambda: apply_window(apply_window(np.array([-1000.0, -500.0, 40.0, 400.0]), 40, 400), 40, 400),
     r"display intensities \(already windowed, or normalised\), not Hounsfield units"),
    (lambda: tissue_labels(np.array([[0.1, 0.52], [0.7, 0.9]])), "already windowed"),
    # HU converted again: air would land near -2000.
    (lambda: to_hounsfield(np.array([-1000.0, 0.0, 1000.0])), r"already look like Hounsfield units"),
    (lambda: tissue_areas(np.array([[0, 1]], np.uint8), (0, 1)),
     r"pixel_spacing must be \(row spacing, column spacing\) in mm, two positive numbers, "
     r"received \(0, 1\)"),
    (lambda: tissue_areas(np.array([[0, 1]], np.uint8), (1,)), "pixel_spacing must be"),
    (lambda: tissue_areas(np.array([[0, 1]], np.uint8), (1, 1, 1)), "pixel_spacing must be"),
    (lambda: tissue_areas(np.array([[0, 1]], np.uint8), (1, np.nan)), "pixel_spacing must be"),
    (lambda: tissue_areas(np.array([[0, 99]], np.uint8), (1, 1)),
     r"labels must be the output of tissue_labels \(integers 0..5\)"),
    (lambda: tissue_areas(np.array([[0, -1]]), (1, 1)), "labels must be the output of tissue_labels"),
    (lambda: tissue_areas(np.array([[0.0, 1.0]]), (1, 1)), "labels must be the output of tissue_labels"),
])
def test_bad_inputs_are_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
