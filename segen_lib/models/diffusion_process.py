r"""The diffusion process: the noise schedule, its closed-form marginal, and the reverse (DDIM/DDPM) step.

Introduced in ``notebooks/12_diffusion.ipynb``; the network and the model that learn to
reverse this process are in :mod:`segen_lib.models.diffusion`. Sources: Ho, Jain and
Abbeel, *Denoising Diffusion Probabilistic Models*, NeurIPS 2020 (the forward process,
ancestral sampling); Song, Meng and Ermon, *Denoising Diffusion Implicit Models*, ICLR 2021
(DDIM: sampling with few steps, ``eta``); Nichol and Dhariwal, *Improved Denoising
Diffusion Probabilistic Models*, ICML 2021 (the cosine schedule).

The forward process adds Gaussian noise in ``T`` steps, ``q(x_t | x_{t-1}) =
N(sqrt(1 - beta_t) x_{t-1}, beta_t I)``, so that with ``alpha_bar_t = prod_{s <= t} (1 - beta_s)``

    x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps,   eps ~ N(0, I)

in one draw (:meth:`NoiseSchedule.add_noise`). Sampling runs the process backwards from
pure noise (:func:`ddim_step`; ``eta=1`` over all ``T`` steps is DDPM's ancestral
sampler). Steps are counted from 0: ``t`` in ``0 .. T-1``.
"""

from __future__ import annotations

import math

import numpy as np
from keras import ops

from segen_lib import checks

__all__ = ["NoiseSchedule", "ddim_timesteps", "ddim_step"]


class NoiseSchedule:
    """The variances ``beta_t`` of the forward process and the products derived from them.

    Args:
        num_steps: ``T``, the number of noising steps (>= 2).
        kind: ``"cosine"`` (Nichol and Dhariwal 2021: ``alpha_bar_t = f(t+1)/f(0)`` with
            ``f(t) = cos((t/T + s)/(1 + s) * pi/2)^2``, ``s = 0.008``, each ``beta_t``
            clipped to ``max_beta``) or ``"linear"`` (Ho et al. 2020: ``beta_t`` evenly
            from ``beta_start`` to ``beta_end``).
        beta_start, beta_end: the linear schedule's first and last variance, in (0, 1).
            By default DDPM's 1e-4 and 0.02 for ``T = 1000``, scaled by ``1000 / T`` for
            other ``T`` as in Nichol and Dhariwal (2021) (``beta_end`` at most
            ``max_beta``), so that every ``T`` ends in near-pure noise.
        max_beta: the largest ``beta_t`` (cosine schedule, and the scaled linear default).

    Attributes:
        betas, alphas, alpha_bars: float64 arrays of shape ``(T,)``; ``alphas = 1 - betas``,
            ``alpha_bars`` their running product, decreasing from near 1 to near 0.

    Raises:
        ValueError: an unknown kind, fewer than 2 steps, betas outside (0, 1), or a
            schedule whose last step keeps more than a fifth of the signal power
            (``alpha_bar_{T-1} > 0.2``): sampling starts from pure noise, which such a
            model never saw in training.

    Example:
        >>> schedule = NoiseSchedule(1000, "linear")
        >>> f"{schedule.alpha_bars[0]:.6f}", f"{schedule.alpha_bars[-1]:.3e}"
        ('0.999900', '4.036e-05')
    """

    def __init__(self, num_steps: int = 1000, kind: str = "cosine", beta_start: float | None = None,
                 beta_end: float | None = None, max_beta: float = 0.999):
        self.num_steps = checks.positive_int(num_steps, "num_steps")
        if self.num_steps < 2:
            raise ValueError(f"num_steps must be at least 2, received {num_steps}.")
        self.kind = kind
        max_beta = checks.number(max_beta, "max_beta", minimum=0, maximum=1, include_minimum=False,
                                 include_maximum=False)
        if kind == "linear":
            scale = 1000 / self.num_steps
            beta_start = 1e-4 * scale if beta_start is None else beta_start
            beta_end = min(0.02 * scale, max_beta) if beta_end is None else beta_end
            beta_start = checks.number(beta_start, "beta_start", minimum=0, maximum=1, include_minimum=False)
            beta_end = checks.number(beta_end, "beta_end", minimum=beta_start, maximum=1, include_maximum=False)
            betas = np.linspace(beta_start, beta_end, self.num_steps, dtype=np.float64)
        elif kind == "cosine":
            s = 0.008
            f = np.cos((np.arange(self.num_steps + 1) / self.num_steps + s) / (1 + s) * math.pi / 2) ** 2
            betas = np.minimum(1 - f[1:] / f[:-1], max_beta)
        else:
            raise ValueError(f"kind must be 'cosine' or 'linear', received {kind!r}.")
        self.betas = betas
        self.alphas = 1.0 - betas
        self.alpha_bars = np.cumprod(self.alphas)
        if self.alpha_bars[-1] > 0.2:
            raise ValueError(f"this {kind} schedule of {self.num_steps} steps keeps alpha_bar = "
                             f"{self.alpha_bars[-1]:.3g} of the signal power at its last step, but sampling "
                             "starts from pure noise, which the model would never see in training: use "
                             "more steps, a larger beta_end, or leave beta_start and beta_end out (they "
                             "then scale with the number of steps).")
        self._signal = ops.convert_to_tensor(np.sqrt(self.alpha_bars), "float32")
        self._noise = ops.convert_to_tensor(np.sqrt(1 - self.alpha_bars), "float32")

    def check_steps(self, t) -> np.ndarray:
        """``t`` as an integer array, checked to lie in ``0 .. T-1`` (ValueError otherwise)."""
        steps = np.asarray(t)
        if not np.issubdtype(steps.dtype, np.integer):
            raise ValueError(f"steps must be integers, received dtype {steps.dtype}.")
        if steps.size and (steps.min() < 0 or steps.max() >= self.num_steps):
            raise ValueError(f"steps must lie in 0 .. {self.num_steps - 1} (counted from 0), received "
                             f"{steps.min()} .. {steps.max()}.")
        return steps

    def add_noise(self, images, t, noise):
        """``x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps``: the forward process in one draw.

        Args:
            images: ``x_0``, ``(n, H, W, C)`` floats in [-1, 1].
            t: ``(n,)`` integer steps in ``0 .. T-1`` (a tensor inside a training step).
            noise: ``eps``, shaped like ``images``.

        Returns:
            ``x_t``, a float32 tensor shaped like ``images``.

        Raises:
            ValueError: (concrete inputs) images outside [-1, 1], steps out of range or
                not one per image, or noise not shaped like the images.
        """
        values, steps = checks.concrete(images), checks.concrete(t)
        if values is not None:
            values = checks.finite(values, "images")
            if values.size and (values.min() < -1.01 or values.max() > 1.01):
                raise ValueError(f"images must be x_0 in [-1, 1], received values in {values.min():.3g}.."
                                 f"{values.max():.3g}: images in 0..255 become [-1, 1] with x / 127.5 - 1.")
            if steps is not None:
                steps = self.check_steps(steps)
                if steps.shape not in ((), (len(values),)):
                    raise ValueError(f"t must hold one step per image, {len(values)}, received shape "
                                     f"{steps.shape}.")
            noise_values = checks.concrete(noise)
            if noise_values is not None and noise_values.shape != values.shape:
                raise ValueError(f"noise must be shaped like images {values.shape}, received "
                                 f"{noise_values.shape}.")
        signal = ops.reshape(ops.take(self._signal, t), (-1, 1, 1, 1))
        spread = ops.reshape(ops.take(self._noise, t), (-1, 1, 1, 1))
        return signal * ops.cast(images, "float32") + spread * ops.cast(noise, "float32")

    def velocity(self, images, t, noise):
        """``v = sqrt(alpha_bar_t) eps - sqrt(1 - alpha_bar_t) x_0``: the target of v-prediction.

        Salimans and Ho, *Progressive Distillation for Fast Sampling of Diffusion Models*,
        ICLR 2022. Given ``x_t`` and ``v``, ``x_0 = sqrt(alpha_bar_t) x_t - sqrt(1 -
        alpha_bar_t) v`` and ``eps = sqrt(alpha_bar_t) v + sqrt(1 - alpha_bar_t) x_t``. Where
        ``x_t`` is nearly pure noise, ``eps`` is nearly ``x_t`` itself and says little about
        ``x_0``, while ``v`` is nearly ``-x_0``: a network that predicts ``v`` must learn
        the image at every step.

        Args:
            images, t, noise: as for :meth:`add_noise` (checked the same way).

        Returns:
            ``v``, a float32 tensor shaped like ``images``.

        Example:
            >>> schedule = NoiseSchedule(10)
            >>> x0, eps, t = np.ones((1, 2, 2, 1)), np.zeros((1, 2, 2, 1)), np.array([9])
            >>> bool(np.allclose(ops.convert_to_numpy(schedule.velocity(x0, t, eps)), -np.sqrt(1 - schedule.alpha_bars[9])))
            True
        """
        self.add_noise(images, t, noise)   # the same checks of concrete inputs
        signal = ops.reshape(ops.take(self._signal, t), (-1, 1, 1, 1))
        spread = ops.reshape(ops.take(self._noise, t), (-1, 1, 1, 1))
        return signal * ops.cast(noise, "float32") - spread * ops.cast(images, "float32")


def ddim_timesteps(num_steps: int, sampling_steps: int) -> np.ndarray:
    """The steps a sampler visits: ``sampling_steps`` of ``0 .. T-1``, evenly spaced, from ``T-1`` down to 0.

    Raises:
        ValueError: ``sampling_steps`` outside ``1 .. T``.

    Example:
        >>> ddim_timesteps(1000, 5).tolist()
        [999, 749, 500, 250, 0]
    """
    sampling_steps = checks.positive_int(sampling_steps, "steps")
    if sampling_steps > num_steps:
        raise ValueError(f"steps must be at most the schedule's {num_steps} steps, received {sampling_steps}.")
    return np.round(np.linspace(num_steps - 1, 0, sampling_steps)).astype(np.int64)


def ddim_step(x_t, predicted_noise, t: int, t_prev: int, schedule: NoiseSchedule, eta: float = 0.0,
              noise=None, clip: bool = True):
    """One reverse step from ``x_t`` to ``x_{t_prev}`` (Song et al. 2021, eq. 12).

    ``x0 = (x_t - sqrt(1 - a_t) eps) / sqrt(a_t)`` (clipped to [-1, 1] if ``clip``, and
    ``eps`` recomputed from it), then
    ``x_prev = sqrt(a_prev) x0 + sqrt(1 - a_prev - sigma^2) eps + sigma z`` with
    ``sigma = eta sqrt((1 - a_prev)/(1 - a_t)) sqrt(1 - a_t/a_prev)``, ``a = alpha_bar``
    and ``a_prev = 1`` past the last step (``t_prev = -1``). ``eta = 0`` is DDIM's
    deterministic sampler; ``eta = 1`` over every step is DDPM's ancestral sampler with
    ``sigma^2 = beta~_t`` (the posterior variance of Ho et al. 2020, eq. 7).

    Args:
        x_t: ``(n, H, W, C)`` NumPy array.
        predicted_noise: the network's ``eps`` for ``x_t``, same shape.
        t, t_prev: the current step and the next (smaller) one, ``-1`` after step 0.
        eta: in [0, 1].
        noise: ``z`` for ``eta > 0`` (standard normal, shaped like ``x_t``).

    Returns:
        ``(x_prev, x0)``: NumPy arrays.

    Raises:
        ValueError: a ``schedule`` that is not a :class:`NoiseSchedule`, steps that are
            not integers or out of order or range, ``eta`` outside [0, 1], ``eta > 0`` with
            no noise, or ``predicted_noise`` or ``noise`` not shaped like ``x_t`` (e.g. a
            3-channel network for 1-channel images).
    """
    if not isinstance(schedule, NoiseSchedule):
        raise ValueError(f"schedule must be a NoiseSchedule, received {type(schedule).__name__}: "
                         "pass the one the model was trained with (model.schedule).")
    t, t_prev = checks.integer(t, "t"), checks.integer(t_prev, "t_prev")
    if not (0 <= t < schedule.num_steps and -1 <= t_prev < t):
        raise ValueError(f"need 0 <= t < {schedule.num_steps} and -1 <= t_prev < t, received t={t}, "
                         f"t_prev={t_prev}.")
    eta = checks.number(eta, "eta", minimum=0, maximum=1)
    a_t = schedule.alpha_bars[t]
    a_prev = schedule.alpha_bars[t_prev] if t_prev >= 0 else 1.0
    x_t = checks.finite(x_t, "x_t").astype(np.float64)
    eps = checks.finite(predicted_noise, "predicted_noise").astype(np.float64)
    if eps.shape != x_t.shape:
        raise ValueError(f"predicted_noise must be shaped like x_t {x_t.shape}, received {eps.shape}: "
                         "the noise predictor's output channels must equal the images' channels.")
    x0 = (x_t - math.sqrt(1 - a_t) * eps) / math.sqrt(a_t)
    if clip:
        x0 = np.clip(x0, -1.0, 1.0)
        eps = (x_t - math.sqrt(a_t) * x0) / math.sqrt(1 - a_t)
    sigma = eta * math.sqrt((1 - a_prev) / (1 - a_t)) * math.sqrt(1 - a_t / a_prev)
    x_prev = math.sqrt(a_prev) * x0 + math.sqrt(max(1 - a_prev - sigma ** 2, 0.0)) * eps
    if sigma > 0:
        if noise is None:
            raise ValueError("eta > 0 adds noise at each step: pass noise (standard normal, shaped like x_t).")
        noise = checks.finite(noise, "noise")
        if noise.shape != x_t.shape:
            raise ValueError(f"noise must be shaped like x_t {x_t.shape}, received {noise.shape}.")
        x_prev = x_prev + sigma * noise.astype(np.float64)
    return x_prev.astype(np.float32), x0.astype(np.float32)
