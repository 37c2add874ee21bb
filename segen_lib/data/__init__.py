"""Data for the course: shipped real data sets, generated scenes, toy distributions.

Everything is offline: files come from ``data/`` (checked against SHA256SUMS) or
are generated from a seed.
"""

from segen_lib.data.pipeline import array_batches
from segen_lib.data.scenes import (
    DIGIT_CLASS_NAMES,
    LIT_THRESHOLD,
    digit_scene_dataset,
    make_digit_scenes,
    make_shapes,
    paired_augmentation,
    resize_digits,
)
from segen_lib.data.shipped import (
    FASHION_MNIST_CLASSES,
    MEDICAL_SLICES,
    DataFileError,
    data_dir,
    load_fashion_mnist,
    load_medical_slices,
    load_mnist,
    load_nuclei,
    medical_modality,
    verify,
)
from segen_lib.data.toy import mixture_pdf, ring_centres, sample_mixture, sample_ring

__all__ = [
    "array_batches",
    "DIGIT_CLASS_NAMES", "LIT_THRESHOLD", "digit_scene_dataset", "make_digit_scenes", "make_shapes",
    "paired_augmentation", "resize_digits",
    "FASHION_MNIST_CLASSES", "MEDICAL_SLICES", "DataFileError", "data_dir",
    "load_fashion_mnist", "load_medical_slices", "load_mnist", "load_nuclei",
    "medical_modality", "verify",
]
__all__ += ["mixture_pdf", "ring_centres", "sample_mixture", "sample_ring"]
