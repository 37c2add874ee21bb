r"""Knowledge distillation: a small student learns from a large teacher's soft predictions.

Introduced in ``notebooks/10_model_cost.ipynb``; the method is Hinton, Vinyals and
Dean (2015), "Distilling the Knowledge in a Neural Network".

A trained teacher's probabilities hold more than its argmax: that a pixel of ``car`` is
far more likely ``truck`` than ``sky``. Softening both models' logits ``z`` with a
temperature ``T`` exposes those small probabilities, and the student is trained to match
them:

.. math::
    p_i^{T} = \frac{e^{z_i/T}}{\sum_j e^{z_j/T}}, \qquad
    \mathcal{L}_{KD} = T^2 \, \mathrm{KL}\big(p^{T}_{teacher} \,\|\, p^{T}_{student}\big)
    = T^2 \sum_i p^{T}_{teacher,i} \log \frac{p^{T}_{teacher,i}}{p^{T}_{student,i}} .

The factor :math:`T^2` keeps the gradients' size independent of ``T`` (they scale as
:math:`1/T^2`), so the term can be mixed with the usual loss on labels:
:math:`\alpha\,\mathcal{L}_{labels} + (1 - \alpha)\,\mathcal{L}_{KD}`. For segmentation the
KL divergence is taken per pixel, over the class axis, and averaged over pixels.

Keras has the same loss as ``keras.distillation.LogitsDistillation`` (and
``keras.distillation.Distiller`` to train with it); this hand-written version is what the
chapter derives, and the tests check the two agree. One trap, measured in the chapter:
give ``LogitsDistillation`` the loss as an instance,
``loss=keras.losses.KLDivergence()``. With its default, the string ``"kl_divergence"``,
Keras 3.15 looks up the *function*, which fails the class check that applies the softmax,
so the KL divergence is taken between the raw logits, clipped to ``[1e-7, 1]``: a number
that does not depend on a student with logits above 1, and no gradient. (Even the instance
clips probabilities at ``1e-7``, so a pixel the student is confidently wrong about gets no
gradient from it; this version works on ``log_softmax`` and has no clip.)
"""

from __future__ import annotations

import numbers

from keras import ops

from segen_lib import checks

__all__ = ["distillation_loss"]


def distillation_loss(teacher_logits, student_logits, temperature: float = 2.0):
    """The soft-target loss :math:`T^2\\,\\mathrm{KL}(p^T_{teacher} \\| p^T_{student})`, averaged.

    Args:
        teacher_logits: ``(..., num_classes)`` logits of the teacher (not probabilities:
            take the log of probabilities first, which gives valid logits).
        student_logits: the student's logits, of the same shape.
        temperature: ``T > 0``; 1 compares the plain softmax outputs, larger values
            soften both distributions.

    Returns:
        A scalar: the KL divergence over the last axis, times ``T**2``, averaged over
        every other axis (pixels and batch). 0 when the two sets of logits are equal up
        to a constant per pixel.

    Raises:
        ValueError: a temperature that is not a positive number, logits of different
            shapes, or (concrete inputs) probabilities where logits are expected: values
            in [0, 1] summing to 1 over the classes.

    Example:
        >>> float(distillation_loss([[2.0, 0.0]], [[2.0, 0.0]]))
        0.0
        >>> round(float(distillation_loss([[0.0, 0.0]], [[1.0, -1.0]], temperature=1.0)), 4)
        0.4338
    """
    if not isinstance(temperature, numbers.Real) or isinstance(temperature, bool) or not temperature > 0:
        raise ValueError(f"temperature must be a number > 0, received {temperature!r}.")
    checks.not_probabilities(teacher_logits, "teacher_logits")
    checks.not_probabilities(student_logits, "student_logits")
    teacher = ops.convert_to_tensor(teacher_logits, dtype="float32")
    student = ops.convert_to_tensor(student_logits, dtype="float32")
    if tuple(teacher.shape) != tuple(student.shape):
        raise ValueError(f"teacher_logits and student_logits must have the same shape, received "
                         f"{tuple(teacher.shape)} and {tuple(student.shape)}.")
    log_teacher = ops.log_softmax(teacher / temperature, axis=-1)
    log_student = ops.log_softmax(student / temperature, axis=-1)
    kl = ops.sum(ops.exp(log_teacher) * (log_teacher - log_student), axis=-1)
    return ops.mean(kl) * temperature ** 2

