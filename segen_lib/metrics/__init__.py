"""Metrics of the course beyond those Keras already has."""

from segen_lib.metrics.modes import ModeCoverage, count_modes
