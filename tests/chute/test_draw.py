"""Drawing the canopy: the SVG and the PNG must carry exactly the bits they were given, in the agreed layout.

Expected values come from the reference (/work/shared/reference/parachute_code.md: the real canopy's 320 bits,
43/31/31/28 coloured gores per ring) and from the convention: gore 0 starts at 12 o'clock and indices run
clockwise seen from below; the view from above is the mirror image.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

import numpy as np
import pytest

from marsedl.chute import draw
from marsedl.errors import MarsEDLError

ROWS = [
    "0000000100 0000000001 0000010010 0000000101 0001111111 1111111111 1111111111 1111111111",
    "0000010100 0000011001 0001111111 1111111111 0000001101 0000001001 0000000111 0000001000",
    "0001111111 1111111111 0000010100 0000001000 0000001001 0000001110 0000000111 0000010011",
    "0000100010 0000001011 0000111010 0000001110 0001110110 0000001010 0000011111 0000010111",
]
TRUTH = np.array([[int(c) for c in r.replace(" ", "")] for r in ROWS], dtype=np.int8)
RED = (200, 16, 46)
WHITE = (244, 244, 244)


@dataclass(frozen=True)
class _Canopy:
    """Stand-in with the agreed Canopy fields (bits, band), so these tests do not depend on the codec."""

    bits: np.ndarray
    band: bool


def _sample(img, bits_shape, band, view):
    """Colour at each gore's centre angle and mid radius, read from the image by the agreed convention."""
    n_rings, n_gores = bits_shape
    a = np.asarray(img.convert("RGB"), dtype=float)
    half = a.shape[0] / 2.0
    radii = draw.ring_radii(n_rings, band).mean(axis=1) * half * 0.98
    theta = (np.arange(n_gores) + 0.5) * 2 * np.pi / n_gores
    sign = 1.0 if view == "below" else -1.0
    x = half + sign * radii[:, None] * np.sin(theta)[None, :]
    y = half - radii[:, None] * np.cos(theta)[None, :]
    return a[np.floor(y).astype(int), np.floor(x).astype(int)]


def test_reference_counts_are_what_the_reference_says():
    assert TRUTH.shape == (4, 80)
    assert TRUTH.sum(axis=1).tolist() == [43, 31, 31, 28]


def test_svg_has_one_polygon_per_gore_with_right_fills():
    svg = draw.to_svg(_Canopy(TRUTH, True), colours=("#ff0000", "#ffffff"))
    root = ET.fromstring(svg)
    paths = [e for e in root.iter() if e.tag.endswith("path") and e.get("class") == "gore"]
    assert len(paths) == 320
    fills = [p.get("fill") for p in paths]
    assert fills.count("#ff0000") == 133
    assert fills.count("#ffffff") == 320 - 133
    got = np.zeros((4, 80), dtype=np.int8)
    for p in paths:
        got[int(p.get("data-ring")), int(p.get("data-gore"))] = p.get("fill") == "#ff0000"
    np.testing.assert_array_equal(got, TRUTH)


def test_svg_unknown_gores_are_grey_and_any_size_works():
    bits = np.zeros((2, 12), dtype=np.int8)
    bits[0, 3] = -1
    bits[1, 5] = 1
    root = ET.fromstring(draw.to_svg(_Canopy(bits, False), colours=("#ff0000", "#ffffff")))
    fills = [e.get("fill") for e in root.iter() if e.get("class") == "gore"]
    assert len(fills) == 24
    assert fills.count(draw.UNKNOWN_COLOUR) == 1
    assert fills.count("#ff0000") == 1


@pytest.mark.parametrize("view", ["below", "above"])
def test_png_gore_centres_give_back_the_bits(view):
    img = draw.to_image(_Canopy(TRUTH, True), view=view, colours=(RED, WHITE), size_px=900,
                        background=(0, 0, 0, 255))
    assert img.mode == "RGBA" and img.size == (900, 900)
    rgb = _sample(img, TRUTH.shape, True, view)
    is_red = (rgb[..., 0] - rgb[..., 1]) > 100
    is_white = rgb.min(axis=-1) > 200
    assert (is_red | is_white).all()
    np.testing.assert_array_equal(is_red.astype(np.int8), TRUTH)


def test_above_is_the_mirror_of_below():
    below = np.asarray(draw.to_image(_Canopy(TRUTH, True), view="below", size_px=300))
    above = np.asarray(draw.to_image(_Canopy(TRUTH, True), view="above", size_px=300))
    # Mirror about the vertical axis through the centre: the pictures agree except for anti-aliased edges.
    diff = np.abs(below[:, ::-1].astype(int) - above.astype(int)).max(axis=-1)
    assert (diff > 60).mean() < 0.01
    assert (np.abs(below.astype(int) - above.astype(int)).max(axis=-1) > 60).mean() > 0.1


def test_first_gore_is_just_clockwise_of_twelve_oclock():
    bits = np.zeros((1, 8), dtype=np.int8)
    bits[0, 0] = 1
    a = np.asarray(draw.to_image(_Canopy(bits, False), colours=(RED, WHITE), size_px=200,
                                 background=(0, 0, 0, 255)).convert("RGB"), dtype=int)
    # Gore 0 covers 0..45 degrees clockwise from 12 o'clock: up and to the right of the centre (y down).
    assert a[40, 120, 0] - a[40, 120, 1] > 100
    assert a[40, 80].min() > 200


def test_save_png_svg_and_errors(tmp_path):
    c = _Canopy(TRUTH, True)
    assert draw.save(c, tmp_path / "c.svg").read_text().startswith("<svg")
    assert draw.save(c, tmp_path / "c.png", size_px=120).read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(MarsEDLError, match="suffix"):
        draw.save(c, tmp_path / "c.jpg")
    with pytest.raises(MarsEDLError, match="cannot write"):
        draw.save(c, tmp_path / "missing_dir" / "c.svg")
    with pytest.raises(MarsEDLError, match="view"):
        draw.to_svg(c, view="side")
    with pytest.raises(MarsEDLError, match="values"):
        draw.to_svg(np.full((4, 80), 3))
