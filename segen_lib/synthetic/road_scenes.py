"""Road scenes seen from a car, drawn with exact masks in the Cityscapes label space.

Introduced in ``notebooks/06_driving_scenes.ipynb``; reused by chapters 08–10.

No real driving scene with masks can ship with the course, so :func:`make_road_scenes`
draws them: a road in one-point perspective (every ground line meets the vanishing point
on the horizon), sidewalks, facades of buildings with windows, trees, grass, sky, and
cars, pedestrians, poles and traffic signs whose size follows their distance. Masks hold
Cityscapes *train ids* (:data:`segen_lib.label_spaces.CITYSCAPES_CLASS_NAMES`), so a
model trained here speaks the label space of the Cityscapes loader.

Two things make the scenes worth segmenting:

- **Texture and shared colours.** Every class is painted with a random base colour, low-
  and high-frequency noise, and its own detail (lane markings on the road, windows on the
  facades, tail lights and windows on cars); greys are shared by road, sidewalk,
  buildings, poles, cars and an overcast sky. A per-pixel colour classifier fails; shape
  and context are needed.
- **Conditions separate from layout.** A scene's layout comes from its own random
  stream; ``lighting`` (day, dusk, night) and ``weather`` (clear, fog, rain) only change
  how it is rendered: the same seed gives the same masks under every condition, which is
  what measuring a *domain shift* needs. Fog follows the scene's depth
  (Koschmieder's law: ``I = J·t + A·(1 - t)``, ``t = exp(-β·d)``).

Cityscapes labels lane markings as ``road``; so do these scenes (markings are texture).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from segen_lib import checks
from segen_lib.label_spaces import CITYSCAPES_CLASS_NAMES
from segen_lib.synthetic.road_render import CHUNK, render

LIGHTING = ("day", "dusk", "night")
WEATHER = ("clear", "fog", "rain")

ROAD_CLASS_NAMES = ("road", "sidewalk", "building", "pole", "traffic sign", "vegetation",
                    "terrain", "sky", "person", "car")
"""The classes :func:`make_road_scenes` draws, by Cityscapes name."""

ROAD_TRAIN_IDS = tuple(CITYSCAPES_CLASS_NAMES.index(name) for name in ROAD_CLASS_NAMES)
"""Their Cityscapes train ids: ``(0, 1, 2, 5, 7, 8, 9, 10, 11, 13)``."""

(_ROAD, _SIDEWALK, _BUILDING, _POLE, _SIGN, _VEGETATION, _TERRAIN, _SKY, _PERSON,
 _CAR) = ROAD_TRAIN_IDS
_CAR_COLOURS = np.array([[.85, .85, .85], [.08, .08, .09], [.45, .46, .48], [.65, .66, .68],
                         [.6, .08, .07], [.1, .2, .5], [.12, .3, .16], [.8, .65, .1],
                         [.3, .22, .16]], np.float32)
_SIGN_COLOURS = np.array([[.75, .1, .1], [.1, .25, .65], [.85, .75, .1], [.85, .85, .85]],
                         np.float32)
_METRES = 10.0  # the image's width spans this many metres at the bottom row (t = 1)

# CHUNK (64, defined with the renderer): scenes are drawn that many at once, vectorised
# over the chunk; every random draw is made for a whole chunk, so scene i depends only on
# the seed and i.
_SEGMENTS = 6  # buildings or trees along each side of the road
_BLOCKS = 24  # distant blocks on the horizon


def make_road_scenes(num_images: int, image_size: Sequence[int] = (64, 128), seed: int = 0,
                     lighting: str | Sequence[str] = "day", weather: str | Sequence[str] = "clear",
                     max_cars: int = 4, max_people: int = 3, max_poles: int = 3
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Draw road scenes with exact per-pixel masks in Cityscapes train ids.

    Scene ``i`` of a seed is always the same layout, whatever ``num_images`` and the
    conditions: ``make_road_scenes(8, seed=3)[1][:4]`` equals ``make_road_scenes(4, seed=3)[1]``,
    and night or fog changes the pixels of a scene, never its mask. Objects are drawn with
    a depth buffer: a car hides the part of a pedestrian behind it, whatever their order.

    Args:
        num_images: how many scenes to draw.
        image_size: ``(height, width)`` in pixels, each at least 16 (default 64×128, the
            2:1 shape of a Cityscapes frame).
        seed: random seed (integer >= 0).
        lighting: ``"day"``, ``"dusk"`` or ``"night"``, or a sequence of them to draw one
            at random for each scene (randomised conditions).
        weather: ``"clear"``, ``"fog"`` or ``"rain"``, or a sequence of them.
        max_cars: most cars per scene (0 to 8).
        max_people: most pedestrians per scene (0 to 8).
        max_poles: most poles per scene, about half of them carrying a traffic sign (0 to 8).

    Returns:
        ``(images, masks)``: images ``(num_images, height, width, 3)`` float32 RGB in
        [0, 1]; masks ``(num_images, height, width)`` uint8 Cityscapes train ids, each in
        :data:`ROAD_TRAIN_IDS`.

    Raises:
        ValueError: a count, size or seed that is not a whole number in range, or a
            condition that is not one of :data:`LIGHTING` / :data:`WEATHER`.

    Example:
        >>> images, masks = make_road_scenes(4, seed=0)
        >>> images.shape, masks.shape, images.dtype, masks.dtype
        ((4, 64, 128, 3), (4, 64, 128), dtype('float32'), dtype('uint8'))
        >>> night, night_masks = make_road_scenes(4, seed=0, lighting="night")
        >>> bool((night_masks == masks).all()), bool(night.mean() < images.mean())
        (True, True)
    """
    num_images = checks.positive_int(num_images, "num_images")
    height, width = _image_size(image_size)
    seed = checks.integer(seed, "seed", minimum=0)
    lightings = _conditions(lighting, "lighting", LIGHTING)
    weathers = _conditions(weather, "weather", WEATHER)
    counts = tuple(checks.integer(value, name, minimum=0, maximum=8) for value, name in
                   ((max_cars, "max_cars"), (max_people, "max_people"), (max_poles, "max_poles")))
    images = np.empty((num_images, height, width, 3), np.float32)
    masks = np.empty((num_images, height, width), np.uint8)
    for chunk, first in enumerate(range(0, num_images, CHUNK)):
        n = min(CHUNK, num_images - first)
        scenes = _Scenes(np.random.default_rng([seed, chunk]), n, height, width)
        scenes.draw(*counts)
        conditions = np.random.default_rng([seed, chunk, 1])  # its own stream: never moves a layout
        light = np.array(lightings)[conditions.integers(len(lightings), size=CHUNK)[:n]]
        sky_weather = np.array(weathers)[conditions.integers(len(weathers), size=CHUNK)[:n]]
        images[first:first + n] = render(scenes, light, sky_weather, conditions)
        masks[first:first + n] = scenes.mask
    return images, masks


def _image_size(image_size) -> tuple[int, int]:
    if (isinstance(image_size, (str, bytes)) or not isinstance(image_size, Sequence)
            or len(image_size) != 2):
        raise ValueError(f"image_size must be (height, width), received {image_size!r}.")
    return (checks.integer(image_size[0], "image_size height", minimum=16),
            checks.integer(image_size[1], "image_size width", minimum=16))


def _conditions(value, name: str, choices: tuple[str, ...]) -> tuple[str, ...]:
    values = (value,) if isinstance(value, str) else value
    if not isinstance(values, Sequence) or not len(values):
        raise ValueError(f"{name} must be one of {choices} or a non-empty sequence of them, "
                         f"received {value!r}.")
    for item in values:
        checks.one_of(item, name, choices)
    return tuple(values)


class _Scenes:
    """``n`` scenes under construction, as arrays over ``(n, height, width)``: albedo (colour
    under white light), light sources, nearness (the depth buffer) and mask.

    Background layers are painted back to front; objects are depth-tested against the
    nearness ``t`` (1 at the bottom row, 0 at infinity), so their order does not matter.
    Every random draw is made for :data:`CHUNK` scenes and cut to ``n``. Cars, people,
    poles and signs are drawn last (``_car``, ``_person``, ``_pole``), depth-tested like the rest.
    """

    def __init__(self, rng: np.random.Generator, n: int, height: int, width: int):
        self.rng, self.n, self.h, self.w = rng, n, height, width
        grid = np.mgrid[:height, :width].astype(np.float32) + 0.5
        self.yy, self.xx = grid[0][None], grid[1][None]  # (1, height, width)
        self.albedo = np.zeros((n, height, width, 3), np.float32)
        self.glow = np.zeros((n, height, width, 3), np.float32)  # lit windows, car lights
        self.t = np.zeros((n, height, width), np.float32)
        self.mask = np.full((n, height, width), _SKY, np.uint8)
        self.fine = rng.normal(0, 1, (CHUNK, height, width)).astype(np.float32)[:n]
        self.coarse = _smooth_noise(rng, CHUNK, height, width, cells=6)[:n]
        self.horizon = height * self.uniform(0.3, 0.45)
        self.vx = width * self.uniform(0.3, 0.7)  # vanishing point
        self.span = height - self.horizon
        self.ground_t = np.clip((self.yy - self.horizon) / self.span, 0, None)
        self.below = self.yy >= self.horizon

    # -- random draws, one per scene, shaped (n, 1, 1) to broadcast over pixels -----------
    def uniform(self, low, high) -> np.ndarray:
        return self.rng.uniform(low, high, CHUNK)[:self.n, None, None].astype(np.float32)

    def draws(self, low, high, count: int) -> np.ndarray:
        """``count`` uniform draws per scene: ``(n, count)``."""
        return self.rng.uniform(low, high, (CHUNK, count))[:self.n].astype(np.float32)

    def colours(self, options, amount: float, count: int) -> np.ndarray:
        """``count`` jittered colours per scene, each one of ``options``: ``(n, count, 3)``."""
        options = np.asarray(options, np.float32).reshape(-1, 3)
        pick = options[self.rng.integers(len(options), size=(CHUNK, count))[:self.n]]
        return pick + self.rng.uniform(-amount, amount, (CHUNK, count, 3))[:self.n].astype(np.float32)

    def chance(self, p: float) -> np.ndarray:
        return self.rng.random(CHUNK)[:self.n, None, None] < p

    def colour(self, options, amount: float = 0.08) -> np.ndarray:
        """A colour per scene, ``(n, 1, 1, 3)``: one of ``options``, jittered by ``±amount``."""
        options = np.asarray(options, np.float32).reshape(-1, 3)
        pick = options[self.rng.integers(len(options), size=CHUNK)[:self.n]]
        jitter = self.rng.uniform(-amount, amount, (CHUNK, 3))[:self.n]
        return (pick + jitter)[:, None, None, :].astype(np.float32)

    # -- geometry ---------------------------------------------------------------------
    def line_x(self, bottom_x):
        """Column of a ground line through the vanishing point and ``(bottom_x, bottom row)``."""
        return self.vx + self.ground_t * (bottom_x - self.vx)

    def metres(self, t):
        """Pixels per metre at nearness ``t``."""
        return t * self.w / _METRES

    def box(self, x0, x1, y0, y1):
        return (self.xx >= x0) & (self.xx < x1) & (self.yy >= y0) & (self.yy < y1)

    def paint(self, region, cls: int, colour, t, texture=(0.08, 0.04), depth_test=False):
        """Paint ``region`` ``(n, height, width)`` as class ``cls`` at nearness ``t``; with
        ``depth_test``, only where nothing nearer is already drawn. Returns what was painted."""
        t = np.broadcast_to(np.asarray(t, np.float32), region.shape)
        if depth_test:
            region = region & (t >= self.t)
        where = np.nonzero(region)
        shade = 1 + texture[0] * self.coarse[where] + texture[1] * self.fine[where]
        self.albedo[where] = _at(colour, where, self.albedo.shape) * shade[:, None]
        self.mask[where] = cls
        self.t[where] = t[where]
        return region

    def overlay(self, region, colour, target=None):
        """Set the colour (of the albedo, or of ``target``) in ``region``, keeping the mask."""
        where = np.nonzero(region)
        target = self.albedo if target is None else target
        target[where] = _at(colour, where, target.shape)

    # -- the scenes, back to front -----------------------------------------------------
    def draw(self, max_cars: int, max_people: int, max_poles: int):
        self._sky()
        self.paint(self.below, _TERRAIN, self.colour([[.3, .5, .2], [.45, .45, .25]]),
                   self.ground_t, (0.15, 0.08))
        self._skyline()
        half = self.w * self.uniform(0.35, 0.6)
        centre = self.vx + self.w * self.uniform(-0.2, 0.2)
        self.road = (centre - half, centre + half)
        walk_l = self.road[0] - self.w * self.uniform(0.1, 0.35) * self.chance(0.9)
        walk_r = self.road[1] + self.w * self.uniform(0.1, 0.35) * self.chance(0.9)
        self.walks = ((walk_l, self.road[0]), (self.road[1], walk_r))
        for side, walk_edge in ((-1, walk_l), (1, walk_r)):
            grass = self.w * self.uniform(0.05, 0.3) * self.chance(0.4)
            self._side(side, walk_edge + side * grass)
        road = self.below & (self.xx >= self.line_x(self.road[0])) & (self.xx < self.line_x(self.road[1]))
        self.paint(road, _ROAD, self.colour([0.33, 0.33, 0.35], 0.1), self.ground_t, (0.12, 0.05))
        self._markings(road, centre, half)
        walk_colour = self.colour([[.55, .53, .5], [.6, .48, .45], [.45, .45, .47]])
        tiles = 1 - 0.12 * (np.sin(12 / np.maximum(self.ground_t, 0.02)) > 0.9)
        for left, right in self.walks:
            walk = self.below & (self.xx >= self.line_x(left)) & (self.xx < self.line_x(right))
            self.paint(walk, _SIDEWALK, walk_colour * tiles[..., None], self.ground_t, (0.1, 0.05))
        for slot in range(max_poles):
            self._pole(slot < self.rng.integers(0, max_poles + 1, CHUNK)[:self.n, None, None])
        for slot in range(max_people):
            self._person(slot < self.rng.integers(0, max_people + 1, CHUNK)[:self.n, None, None])
        for slot in range(max_cars):
            self._car(slot < self.rng.integers(0, max_cars + 1, CHUNK)[:self.n, None, None])

    def _sky(self):
        overcast = self.colour([0.62, 0.63, 0.65], 0.1) * (1 + 0.1 * self.yy / self.h)[..., None]
        top, low = self.colour([0.25, 0.45, 0.8]), self.colour([0.65, 0.78, 0.92], 0.05)
        mix = np.clip(self.yy / self.horizon, 0, 1)[..., None]
        clear = top * (1 - mix) + low * mix
        clouds = np.clip(self.coarse * self.uniform(0.1, 0.6), 0, None)[..., None]
        clear = clear + clouds * (0.95 - clear)
        self.albedo[:] = np.where(self.chance(0.3)[..., None], overcast, clear)  # the sky everywhere

    def _skyline(self):
        """Distant blocks on the horizon, buildings or trees, far away (t = 0.05)."""
        stops = np.cumsum(self.draws(0.04, 0.15, _BLOCKS), axis=1) * self.w
        block = np.minimum((self.xx[:, :1, :, None] >= stops[:, None, None, :]).sum(-1), _BLOCKS - 1)
        scene = np.arange(self.n)[:, None, None]
        top = self.horizon - self.h * self.draws(0.0, 0.1, _BLOCKS)[scene, block]
        trees = self.draws(0, 1, _BLOCKS)[scene, block] < 0.4
        blocks = (self.yy >= top) & (self.yy < self.horizon)
        greys = self.colours([0.55, 0.55, 0.58], 0.12, _BLOCKS)[scene, block]
        greens = self.colours([0.25, 0.38, 0.2], 0.08, _BLOCKS)[scene, block]
        self.paint(blocks & ~trees, _BUILDING, greys, 0.05)
        self.paint(blocks & trees, _VEGETATION, greens, 0.05, (0.3, 0.15))

    def _side(self, side: int, edge):
        """Facades, trees or open ground beyond the sidewalk on one side (``-1`` left, ``1`` right).

        ``edge`` is where the facades meet the ground at the bottom row. A column at ``x``
        lies at nearness ``(x - vx) / (edge - vx)``; the side is cut into segments of
        nearness, each a building (its roof line meeting the vanishing point, with a slope
        of its own), trees or open ground.
        """
        along = (self.xx - self.vx) / (edge - self.vx)  # nearness of each column
        stops = np.cumsum(self.draws(0.15, 0.6, _SEGMENTS), axis=1)
        segment = (along[..., None] >= stops[:, None, None, :]).sum(-1)  # (n, height, width)
        beyond = ((side * (self.xx - self.line_x(edge)) > 0) | ~self.below) & (along > 0)
        beyond &= segment < _SEGMENTS
        segment = np.minimum(segment, _SEGMENTS - 1)
        scene = np.arange(self.n)[:, None, None]
        kind = self.draws(0, 1, _SEGMENTS)[scene, segment]  # < 0.6 building, < 0.9 trees, else open
        slope = self.draws(0.25, 1.2, _SEGMENTS)[scene, segment] * self.h / self.w
        roof = self.horizon - slope * np.abs(self.xx - self.vx)
        self._facade(beyond & (self.yy >= roof) & (kind < 0.6), along, roof, segment)
        wave = self.draws(0.3, 0.8, _SEGMENTS)[scene, segment]
        canopy = roof - self.h * 0.08 * np.abs(self.coarse) - 2 * np.sin(self.xx * wave)
        trees = beyond & (kind >= 0.6) & (kind < 0.9) & (self.yy >= canopy)
        trees &= self.yy < self.horizon + along * self.span * 0.1
        greens = self.colours([[.2, .4, .15], [.3, .42, .15], [.15, .3, .12]], 0.08, _SEGMENTS)
        self.paint(trees, _VEGETATION, greens[scene, segment], along, (0.35, 0.2))

    def _facade(self, region, along, roof, segment):
        """Buildings: a colour per segment, then a grid of windows, some lit at dusk and night."""
        scene = np.arange(self.n)[:, None, None]
        colours = self.colours([[.55, .55, .55], [.7, .62, .5], [.55, .3, .25], [.8, .8, .78],
                                [.4, .42, .45]], 0.08, _SEGMENTS)
        self.paint(region, _BUILDING, colours[scene, segment], along, (0.08, 0.06))
        where = np.nonzero(region)
        i, part = where[0], segment[where]
        y, a = where[1] + 0.5, along[where]
        ground = self.horizon[i, 0, 0] + a * self.span[i, 0, 0]  # where the facade meets the ground
        up = (ground - y) / np.maximum(ground - roof[where], 1e-3)  # 0 at the ground, 1 at the roof
        u = a * np.floor(self.draws(3, 9, _SEGMENTS))[i, part] * 2.5
        v = up * np.floor(self.draws(3, 8, _SEGMENTS))[i, part]
        window = (u % 1 > 0.3) & (u % 1 < 0.75) & (v % 1 > 0.35) & (v % 1 < 0.8) & (v > 1)
        glass = self.colours([[.15, .18, .22], [.5, .6, .7]], 0.05, _SEGMENTS)[i, part]
        pixels = tuple(index[window] for index in where)
        self.albedo[pixels] = glass[window]
        lit = self.rng.random((CHUNK, 16, 16))[:self.n] < self.draws(0.2, 0.6, 1)[:, :, None]
        on = window & lit[i, u.astype(int) % 16, np.maximum(v, 0).astype(int) % 16]
        self.glow[tuple(index[on] for index in where)] = (
            np.float32([1.0, 0.8, 0.45]) + self.rng.uniform(-0.1, 0.1, (CHUNK, 3))[:self.n][i[on]])

    def _markings(self, road, centre, half):
        """Dashed centre line and solid edge lines, in perspective: labelled road, as in Cityscapes."""
        t = np.maximum(self.ground_t, 1e-3)
        width = np.maximum(0.12 * self.metres(1.0) * t, 0.35)
        offset = self.uniform(-0.2, 0.2) * half
        lines = (np.abs(self.xx - self.line_x(centre + offset)) < width) & ((3.0 / t) % 1 < 0.5)
        edges = self.chance(0.6)
        for edge in (self.road[0] + 0.1 * half, self.road[1] - 0.1 * half):
            lines |= edges & (np.abs(self.xx - self.line_x(edge)) < width * 0.8)
        marked = road & lines & (self.yy >= self.horizon + 1)
        paint = self.colour([[.9, .9, .88], [.85, .7, .15]], 0.05) * (1 + 0.05 * self.fine[..., None])
        self.overlay(marked, paint)

    # -- objects, sized in metres at their nearness t, depth-tested ------------------------
    def _base(self, t, left, right):
        """Bottom row and column of an object at nearness ``t``, between two ground lines."""
        position = left + self.uniform(0, 1) * (right - left)
        return self.horizon + t * self.span, self.vx + t * (position - self.vx)

    # The objects: cars, pedestrians, poles and traffic signs; each object's size follows its
    # distance, in metres at the nearness t where it stands.

    def _detail(self, region, visible, colour, glow=None):
        self.overlay(region & visible, colour)
        if glow is not None:
            self.overlay(region & visible, glow, self.glow)

    def _car(self, present):
        t = self.uniform(0.15, 1.0)
        margin = 0.1 * (self.road[1] - self.road[0])
        y, x = self._base(t, self.road[0] + margin, self.road[1] - margin)
        m = self.metres(t)
        width, height = m * self.uniform(1.7, 2.0), m * self.uniform(1.3, 1.6)
        part = lambda a, b, top, bottom: present & self.box(  # noqa: E731
            x + a * width, x + b * width, y - top * height, y - bottom * height)
        paint = self.colour(_CAR_COLOURS, 0.05)
        visible = self.paint(part(-0.5, 0.5, 0.6, 0.1) | part(-0.4, 0.4, 1.0, 0.55), _CAR, paint, t,
                             (0.05, 0.04), depth_test=True)
        visible |= self.paint(part(-0.48, -0.25, 0.2, 0) | part(0.25, 0.48, 0.2, 0), _CAR,
                              np.float32(0.06), t, (0.0, 0.1), depth_test=True)
        self._detail(part(-0.33, 0.33, 0.92, 0.62), visible, self.colour([0.12, 0.14, 0.17], 0.04))
        lights = part(-0.48, -0.32, 0.5, 0.38) | part(0.32, 0.48, 0.5, 0.38)
        self._detail(lights, visible, np.float32([0.7, 0.1, 0.08]), np.float32([1.0, 0.15, 0.1]))

    def _sidewalk_spot(self, t, outer: bool):
        """A column on a sidewalk at nearness ``t`` (its outer half for poles); the road's
        edge where a scene has no sidewalk on the side drawn."""
        right_side = self.chance(0.5)
        left = np.where(right_side, self.walks[1][0], self.walks[0][0])
        right = np.where(right_side, self.walks[1][1], self.walks[0][1])
        none = right - left < 1e-3
        road_edge = np.where(right_side, self.road[1] - 0.15 * (self.road[1] - self.road[0]),
                             self.road[0])
        left = np.where(none, road_edge, left)
        right = np.where(none, road_edge + 0.15 * (self.road[1] - self.road[0]), right)
        if outer:
            middle = (left + right) / 2
            left, right = np.where(right_side, middle, left), np.where(right_side, right, middle)
        return self._base(t, left, right)

    def _person(self, present):
        t = self.uniform(0.3, 1.0)
        y, x = self._sidewalk_spot(t, outer=False)
        height = self.metres(t) * self.uniform(1.55, 1.9)
        width = np.maximum(height * 0.28, 1.0)
        legs = self.box(x - width * 0.4, x + width * 0.4, y - 0.48 * height, y)
        legs &= (np.abs(self.xx - x) > width * 0.08) | (self.yy < y - 0.4 * height)
        torso = self.box(x - width / 2, x + width / 2, y - 0.84 * height, y - 0.45 * height)
        head = ((self.xx - x) ** 2 + (self.yy - (y - 0.91 * height)) ** 2
                <= np.maximum(0.09 * height, 0.5) ** 2)
        self.paint(present & legs, _PERSON, self.colour([[.15, .15, .2], [.2, .25, .45], [.4, .35, .3]]),
                   t, (0.0, 0.06), depth_test=True)
        self.paint(present & torso, _PERSON, self.colour([0.5, 0.5, 0.5], 0.45), t, (0.0, 0.06),
                   depth_test=True)
        self.paint(present & head, _PERSON, self.colour([[.85, .65, .5], [.55, .38, .25], [.3, .2, .15]],
                                                        0.04), t, (0.0, 0.04), depth_test=True)

    def _pole(self, present):
        t = self.uniform(0.25, 1.1)
        y, x = self._sidewalk_spot(t, outer=True)
        m = self.metres(t)
        height, width = m * self.uniform(4.0, 7.0), np.maximum(m * 0.25, 1.0)
        pole = present & self.box(x - width / 2, x + width / 2, y - height, y)
        self.paint(pole, _POLE, self.colour([[.4, .4, .42], [.2, .22, .2], [.6, .6, .6]]), t,
                   (0.0, 0.05), depth_test=True)
        size = np.maximum(m * self.uniform(0.7, 1.0), 2.0)
        top = y - height * self.uniform(0.7, 0.95)
        round_sign = ((self.xx - x) ** 2 + (self.yy - top) ** 2) <= (size / 2) ** 2
        square_sign = self.box(x - size / 2, x + size / 2, top - size / 2, top + size / 2)
        sign = present & self.chance(0.55) & np.where(self.chance(0.5), round_sign, square_sign)
        sign = self.paint(sign, _SIGN, self.colour(_SIGN_COLOURS, 0.05), t, (0.0, 0.05), depth_test=True)
        rim = sign & ~_erode(sign)
        self.albedo[rim] = np.clip(self.albedo[rim] + 0.3, 0, 1)


def _smooth_noise(rng: np.random.Generator, n: int, height: int, width: int, cells: int) -> np.ndarray:
    """``(n, height, width)`` zero-mean noise varying over about ``1 / cells`` of the height
    (bilinear interpolation of a coarse grid of standard normal values)."""
    rows, cols = cells + 1, max(2, round(cells * width / height)) + 1
    grid = rng.normal(0, 1, (n, rows, cols)).astype(np.float32)
    return (_interpolation(height, rows) @ grid) @ _interpolation(width, cols).T


def _interpolation(size: int, points: int) -> np.ndarray:
    """``(size, points)`` matrix of linear interpolation from ``points`` knots to ``size`` pixels."""
    position = (np.arange(size) + 0.5) / size * (points - 1)
    return np.maximum(0, 1 - np.abs(position[:, None] - np.arange(points)[None])).astype(np.float32)


def _at(colour, where, shape) -> np.ndarray:
    """``colour`` (a scalar, ``(3,)``, ``(n, 1, 1, 3)`` or ``(n, height, width, 3)``) at the
    pixels ``where`` (a ``np.nonzero`` of an ``(n, height, width)`` array): ``(pixels, 3)``."""
    colour = np.asarray(colour, np.float32)
    if colour.ndim < 4:
        return np.broadcast_to(colour, (len(where[0]), 3))
    return colour[tuple(index if size > 1 else 0 for index, size in zip(where, colour.shape))]


def _erode(region: np.ndarray) -> np.ndarray:
    """``(n, height, width)`` masks shrunk by one pixel (4-neighbourhood)."""
    inner = region.copy()
    inner[:, 1:] &= region[:, :-1]
    inner[:, :-1] &= region[:, 1:]
    inner[:, :, 1:] &= region[:, :, :-1]
    inner[:, :, :-1] &= region[:, :, 1:]
    return inner
