"""Metrics of the course beyond those Keras already has."""

from segen_lib.metrics.fid import (
                                   extract_features,
                                   fid,
                                   frechet_distance,
                                   frechet_distance_from_statistics,
                                   kernel_distance,
                                   kid,
                                   load_classifier,
)
from segen_lib.metrics.instances import (
                                   DSB_THRESHOLDS,
                                   InstanceMatch,
                                   dsb_score,
                                   instance_iou,
                                   instance_report,
                                   match_instances,
)
from segen_lib.metrics.modes import ModeCoverage, count_modes, reverse_kl
from segen_lib.metrics.robustness import (
                                   corruption_iou,
                                   format_corruption_table,
                                   mean_corruption_iou,
                                   predict_labels,
)
from segen_lib.metrics.segmentation import (
                                   confusion_matrix,
                                   format_report,
                                   mean_iou,
                                   per_class_dice,
                                   per_class_iou,
                                   segmentation_report,
)
from segen_lib.metrics.translation import SEGMENTER_FILE, fcn_score, laplacian_energy, load_road_segmenter
