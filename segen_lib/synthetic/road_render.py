"""Rendering drawn road scenes under a lighting and a weather: pixels change, masks never.

Introduced in ``notebooks/06_driving_scenes.ipynb`` with
:func:`segen_lib.synthetic.road_scenes.make_road_scenes`, which draws the layouts (albedo, light
sources, nearness, masks) and calls :func:`render`. Dusk and night dim and tint the
albedo and add the light sources (lit windows, tail lights; at night the ego car's beam);
fog and rain follow Koschmieder's law, ``I = J·t + A·(1 - t)`` with ``t = exp(-β·d)`` and
``d`` the distance from the nearness buffer; rain adds streaks. Sensor noise grows as the
light falls.
"""

from __future__ import annotations

import numpy as np

from segen_lib.label_spaces import CITYSCAPES_CLASS_NAMES

CHUNK = 64
"""Scenes drawn and rendered at once; every random draw is made for a whole chunk and cut to
the scenes drawn, so scene ``i`` depends only on the seed and ``i``."""
_SKY = CITYSCAPES_CLASS_NAMES.index("sky")


def render(scenes, lighting: np.ndarray, weather: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The RGB images of drawn scenes under a lighting and a weather each; masks stay as drawn.

    Args:
        scenes: the drawn scenes (albedo, light sources, nearness and masks, as
            :func:`segen_lib.synthetic.road_scenes.make_road_scenes` builds them).
        lighting: ``(n,)`` strings, each one of ``"day"``, ``"dusk"``, ``"night"``.
        weather: ``(n,)`` strings, each one of ``"clear"``, ``"fog"``, ``"rain"``.
        rng: the conditions' own random stream.

    Returns:
        ``(n, height, width, 3)`` float32 images in [0, 1].
    """
    sky = (scenes.mask == _SKY)[..., None]
    light = lighting[:, None, None, None]
    above = np.clip(1 - scenes.yy / scenes.horizon, 0, 1)
    dusk_sky = np.stack(np.broadcast_arrays(0.9 - 0.4 * above, 0.45 + 0.05 * scenes.coarse,
                                            0.35 + 0.25 * above), -1)
    dusk = np.where(sky, dusk_sky, scenes.albedo * 0.55 * np.float32([1.05, 0.8, 0.65])) + 0.5 * scenes.glow
    beam = np.exp(-((scenes.xx - scenes.vx) / (0.35 * scenes.w)) ** 2) * scenes.ground_t ** 2
    night = np.where(sky, np.float32([0.02, 0.03, 0.08]) * (1 + 0.2 * scenes.coarse[..., None]),
                     scenes.albedo * (0.15 * np.float32([0.7, 0.8, 1.1]) + 0.5 * beam[..., None]))
    night += scenes.glow
    sun = rng.uniform(0.9, 1.1, CHUNK)[:scenes.n, None, None, None]
    image = np.where(light == "dusk", dusk, np.where(light == "night", night, scenes.albedo * sun))
    # fog and rain: Koschmieder's law, the transmission falling with distance
    fog, rain = (weather == "fog")[:, None, None], (weather == "rain")[:, None, None]
    beta = np.where(fog, rng.uniform(0.25, 0.4, CHUNK)[:scenes.n, None, None],
                    np.where(rain, rng.uniform(0.04, 0.08, CHUNK)[:scenes.n, None, None], 0.0))
    distance = np.where(sky[..., 0], 50.0, 1 / np.maximum(scenes.t, 0.02) - 1)
    transmission = np.exp(-beta * distance)[..., None]
    airlight = np.select([light == "dusk", light == "night"], [0.45, 0.08], 0.75)
    image = image * transmission + airlight * (1 - transmission)
    image = np.where(rain[..., None], image * 0.85 + 0.25 * _streaks(scenes, rng)[..., None], image)
    noise = np.select([light == "dusk", light == "night"], [0.02, 0.03], 0.01)
    image = image + noise * rng.normal(0, 1, (CHUNK, scenes.h, scenes.w, 3))[:scenes.n]
    return np.clip(image, 0, 1).astype(np.float32)

def _streaks(scenes, rng) -> np.ndarray:
    """Rain: short slanted bright streaks, as an ``(n, height, width)`` layer in [0, 1]."""
    count = int(scenes.h * scenes.w * 0.012)
    shape = (CHUNK, count)
    length = rng.integers(3, 8, shape)[:scenes.n]
    rows = rng.uniform(0, scenes.h, shape)[:scenes.n, :, None] + np.arange(8)
    cols = (rng.uniform(0, scenes.w, shape)[:scenes.n, :, None]
            + np.arange(8) * rng.uniform(0.1, 0.3, shape)[:scenes.n, :, None])
    inside = (np.arange(8) < length[..., None]) & (rows < scenes.h) & (cols < scenes.w)
    scene = np.broadcast_to(np.arange(scenes.n)[:, None, None], inside.shape)
    layer = np.zeros((scenes.n, scenes.h, scenes.w), np.float32)
    np.add.at(layer, (scene[inside], rows[inside].astype(int), cols[inside].astype(int)), 1.0)
    return np.clip(layer, 0, 1)
