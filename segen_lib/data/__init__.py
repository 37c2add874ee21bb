"""Data for the course: shipped real data sets, generated scenes, toy distributions.

Everything is offline: files come from ``data/`` (checked against SHA256SUMS) or
are generated from a seed.
"""

from segen_lib.data.corruptions import (
    CORRUPTIONS,
    SEVERITIES,
    RandomGaussianNoise,
    corrupt,
    photometric_augmentation,
)
from segen_lib.data.hounsfield import (
    HU_TISSUE_NAMES,
    HU_TISSUES,
    WINDOWS,
    apply_window,
    tissue_areas,
    tissue_labels,
    to_hounsfield,
)
from segen_lib.data.label_spaces import (
    CITYSCAPES_CLASS_NAMES,
    CITYSCAPES_LABELS,
    CITYSCAPES_PALETTE,
    IGNORE_LABEL,
    LABEL_ID_TO_TRAIN_ID,
    colorize,
)
from segen_lib.data.microscopy import (
    QUADRANTS,
    QuadrantSplit,
    TileSampler,
    dihedral,
    quadrant_slices,
    quadrant_split,
)
from segen_lib.data.pipeline import array_batches
from segen_lib.data.real_sets import (
    OXFORD_PETS_CLASS_NAMES,
    PASCAL_VOC_CLASS_NAMES,
    PASCAL_VOC_PALETTE,
    DataLayoutError,
    MissingDataError,
    load_cityscapes,
    load_oxford_pets,
    load_pascal_voc,
    voc_colormap,
)
from segen_lib.data.road_edits import add_person, move_object, objects_of, widen_road
from segen_lib.data.road_scenes import (
    LIGHTING,
    ROAD_CLASS_NAMES,
    ROAD_TRAIN_IDS,
    WEATHER,
    make_road_scenes,
)
from segen_lib.data.scarce_labels import TrainingPairs, fraction_split, mix_pairs, pseudo_labels
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
    medical_pixel_spacing,
    verify,
)
from segen_lib.data.toy import mixture_pdf, ring_centres, sample_mixture, sample_ring

__all__ = [
    "array_batches",
    "DIGIT_CLASS_NAMES", "LIT_THRESHOLD", "digit_scene_dataset", "make_digit_scenes", "make_shapes",
    "paired_augmentation", "resize_digits",
    "FASHION_MNIST_CLASSES", "MEDICAL_SLICES", "DataFileError", "data_dir",
    "load_fashion_mnist", "load_medical_slices", "load_mnist", "load_nuclei",
    "medical_modality", "medical_pixel_spacing", "verify",
]
__all__ += ["mixture_pdf", "ring_centres", "sample_mixture", "sample_ring"]
__all__ += ["CORRUPTIONS", "SEVERITIES", "corrupt", "RandomGaussianNoise", "photometric_augmentation",
            "CITYSCAPES_CLASS_NAMES", "CITYSCAPES_LABELS", "CITYSCAPES_PALETTE", "IGNORE_LABEL", "LABEL_ID_TO_TRAIN_ID",
            "colorize", "OXFORD_PETS_CLASS_NAMES", "PASCAL_VOC_CLASS_NAMES", "PASCAL_VOC_PALETTE",
            "DataLayoutError", "MissingDataError", "load_cityscapes", "load_oxford_pets",
            "load_pascal_voc", "voc_colormap",
            "LIGHTING", "ROAD_CLASS_NAMES", "ROAD_TRAIN_IDS", "WEATHER", "make_road_scenes"]
__all__ += ["HU_TISSUE_NAMES", "HU_TISSUES", "WINDOWS", "apply_window", "tissue_areas", "tissue_labels",
            "to_hounsfield", "QUADRANTS", "QuadrantSplit", "TileSampler", "dihedral", "quadrant_slices",
            "quadrant_split"]
__all__ += ["add_person", "move_object", "objects_of", "widen_road"]
__all__ += ["TrainingPairs", "fraction_split", "mix_pairs", "pseudo_labels"]
