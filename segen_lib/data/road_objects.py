"""The objects of a road scene: cars, pedestrians, poles and traffic signs.

Part of :func:`segen_lib.data.make_road_scenes` (``road_scenes.py`` draws the layout: sky,
skyline, facades, trees, road and sidewalks). :class:`RoadObjects` is mixed into that
module's scene builder and uses its arrays and helpers (``uniform``, ``colour``, ``box``,
``paint`` with its depth test, ``overlay``, ``metres``, ``_base``); each object's size
follows its distance, in metres at the nearness ``t`` where it stands.
"""

from __future__ import annotations

import numpy as np

from segen_lib.data.label_spaces import CITYSCAPES_CLASS_NAMES

_POLE, _SIGN, _PERSON, _CAR = (CITYSCAPES_CLASS_NAMES.index(name)
                               for name in ("pole", "traffic sign", "person", "car"))
_CAR_COLOURS = np.array([[.85, .85, .85], [.08, .08, .09], [.45, .46, .48], [.65, .66, .68],
                         [.6, .08, .07], [.1, .2, .5], [.12, .3, .16], [.8, .65, .1],
                         [.3, .22, .16]], np.float32)
_SIGN_COLOURS = np.array([[.75, .1, .1], [.1, .25, .65], [.85, .75, .1], [.85, .85, .85]],
                         np.float32)


class RoadObjects:
    """Methods that draw the objects of :func:`segen_lib.data.make_road_scenes`'s scenes."""

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


def _erode(region: np.ndarray) -> np.ndarray:
    """``(n, height, width)`` masks shrunk by one pixel (4-neighbourhood)."""
    inner = region.copy()
    inner[:, 1:] &= region[:, :-1]
    inner[:, :-1] &= region[:, 1:]
    inner[:, :, 1:] &= region[:, :, :-1]
    inner[:, :, :-1] &= region[:, :, 1:]
    return inner
