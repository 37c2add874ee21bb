"""Real data sets: the small subsets shipped in ``data/``, and loaders for the full public sets.

- :mod:`~segen_lib.datasets.shipped`: Fashion-MNIST, MNIST, the nuclei image and the CT/MR
  slices from ``data/``, each verified against ``data/SHA256SUMS`` before it is read
  (chapter 00 tours them).
- :mod:`~segen_lib.datasets.public_sets`: Cityscapes, Pascal VOC 2012 and Oxford-IIIT Pet,
  read from the folders they unpack to, for learners who download them (chapter 06).

Nothing here touches the network.
"""

from segen_lib.datasets.public_sets import (
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
from segen_lib.datasets.shipped import (
                                            FASHION_MNIST_CLASSES,
                                            MEDICAL_SLICES,
                                            DataFileError,
                                            data_dir,
                                            dicom_path,
                                            load_fashion_mnist,
                                            load_medical_slices,
                                            load_mnist,
                                            load_nuclei,
                                            medical_modality,
                                            medical_pixel_spacing,
                                            verify,
)

__all__ = [
    "FASHION_MNIST_CLASSES", "MEDICAL_SLICES", "DataFileError", "data_dir", "dicom_path", "load_fashion_mnist",
    "load_medical_slices", "load_mnist", "load_nuclei", "medical_modality", "medical_pixel_spacing",
    "verify",
    "OXFORD_PETS_CLASS_NAMES", "PASCAL_VOC_CLASS_NAMES", "PASCAL_VOC_PALETTE", "DataLayoutError",
    "MissingDataError", "load_cityscapes", "load_oxford_pets", "load_pascal_voc", "voc_colormap",
]
