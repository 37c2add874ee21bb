"""The distillation loss: known values, the temperature, and Keras's version of it."""

import keras
import numpy as np
import pytest

from segen_lib.losses import distillation_loss


def kl(p, q):
    return float(np.sum(p * np.log(p / q)))


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def test_known_values():
    assert float(distillation_loss([[2.0, 0.0]], [[2.0, 0.0]])) == 0.0
    # equal up to a constant per pixel: the same distributions
    assert float(distillation_loss([[2.0, 0.0, 1.0]], [[5.0, 3.0, 4.0]])) == pytest.approx(0.0, abs=1e-6)
    # T = 1: the plain KL divergence of the softmax outputs
    teacher, student = np.array([0.0, 0.0]), np.array([1.0, -1.0])
    assert float(distillation_loss([teacher], [student], 1.0)) == pytest.approx(kl(softmax(teacher), softmax(student)), rel=1e-5)
    assert float(distillation_loss([teacher], [student], 1.0)) == pytest.approx(0.4337808, rel=1e-5)
    # T = 3: softened by 3, times 3**2
    teacher, student = np.array([6.0, 0.0, 3.0]), np.array([0.0, 3.0, 3.0])
    want = 9 * kl(softmax(teacher / 3), softmax(student / 3))
    assert float(distillation_loss([teacher], [student], 3.0)) == pytest.approx(want, rel=1e-5)


def test_averaged_over_pixels_and_equal_to_keras_with_a_kl_instance():
    rng = np.random.default_rng(0)
    teacher, student = 3 * rng.normal(size=(2, 2, 4, 5, 7)).astype("float32")
    per_pixel = [distillation_loss(t[None], s[None], 2.0) for t, s in zip(teacher.reshape(-1, 7), student.reshape(-1, 7))]
    assert float(distillation_loss(teacher, student, 2.0)) == pytest.approx(float(np.mean(per_pixel)), rel=1e-5)
    keras_loss = keras.distillation.LogitsDistillation(temperature=2.0, loss=keras.losses.KLDivergence())
    assert float(distillation_loss(teacher, student, 2.0)) == pytest.approx(float(keras_loss.compute_loss(teacher, student)), rel=1e-5)


def test_large_temperatures_match_logits_as_in_the_paper():
    # Hinton et al.: for large T, T² KL ≈ the mean squared difference of zero-mean logits / (2N).
    rng = np.random.default_rng(1)
    teacher, student = rng.normal(size=(2, 6))
    teacher, student = teacher - teacher.mean(), student - student.mean()
    approximation = np.sum((teacher - student) ** 2) / (2 * 6)
    assert float(distillation_loss([teacher], [student], 100.0)) == pytest.approx(approximation, rel=0.02)


def test_bad_arguments():
    for temperature in (0, -1.0, True, "2"):
        with pytest.raises(ValueError, match="temperature must be a number > 0"):
            distillation_loss([[1.0, 0.0]], [[1.0, 0.0]], temperature)
    with pytest.raises(ValueError, match="same shape"):
        distillation_loss(np.zeros((2, 3)), np.zeros((2, 4)))


def test_probabilities_given_as_logits_are_refused_with_the_fix():
    # A teacher's softmax output (build_unet's default head, predict) would be softened twice.
    logits = np.random.default_rng(0).normal(0, 2, (2, 4, 4, 5)).astype("float32")
    probabilities = np.asarray(keras.ops.softmax(logits, axis=-1))
    with pytest.raises(ValueError, match=r"teacher_logits must be logits.*keras.ops.log\(probabilities\)"):
        distillation_loss(probabilities, logits)
    with pytest.raises(ValueError, match="student_logits must be logits"):
        distillation_loss(logits, probabilities)
    # The fix the message gives is right: the log of probabilities are valid logits.
    fixed = float(distillation_loss(np.log(probabilities), logits * 0.5))
    assert fixed == pytest.approx(float(distillation_loss(logits, logits * 0.5)), rel=1e-4)
