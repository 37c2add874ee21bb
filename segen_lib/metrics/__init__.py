"""Metrics of the course beyond those Keras already has."""
