"""What turns data into training batches: augmentation, corruptions, and scarce-label helpers.

- :mod:`~segen_lib.training_data.augmentation`: paired geometric augmentation of an image
  and its mask (chapter 02), photometric augmentation (chapter 06).
- :mod:`~segen_lib.training_data.corruptions`: common corruptions at graded severities, for
  measuring robustness (chapter 06).
- :mod:`~segen_lib.training_data.scarce_labels`: labelled subsets, image–mask pairs with
  augmentation, pseudo-labels and the mixing of real and generated pairs (chapter 09).
- :mod:`~segen_lib.training_data.consistency`: FixMatch, consistency training with
  confident pseudo-labels, for a segmenter (chapter 09).

Batches of in-memory arrays for ``fit`` are :func:`segen_lib.batches.array_batches`.
"""

from segen_lib.training_data.augmentation import (
                                                  PairedAugmentation,
                                                  RandomGaussianNoise,
                                                  paired_augmentation,
                                                  photometric_augmentation,
)
from segen_lib.training_data.consistency import FixMatch, UnlabelledBatches, confident_consistency, strong_view
from segen_lib.training_data.corruptions import CORRUPTIONS, SEVERITIES, corrupt
from segen_lib.training_data.scarce_labels import TrainingPairs, fraction_split, mix_pairs, pseudo_labels

__all__ = [
    "paired_augmentation", "PairedAugmentation", "photometric_augmentation", "RandomGaussianNoise",
    "CORRUPTIONS", "SEVERITIES", "corrupt",
    "TrainingPairs", "fraction_split", "mix_pairs", "pseudo_labels",
    "FixMatch", "UnlabelledBatches", "confident_consistency", "strong_view",
]
