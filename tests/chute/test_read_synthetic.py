"""Reading photos of random, unseen messages at the size people have them (issue #11).

Each message (three random words of 1-8 letters, random coordinates) is drawn twice, in a 720 x 720 px JPEG at
quality 90, canopy 500-700 px across, seen obliquely down to an axis ratio of 0.6, at any rotation, half of them
mirrored (seen from above), with noise:

- by the project's renderer (:func:`marsedl.chute.render_photo.render_photo`);
- by :func:`_polygon_photo` below, written for this test another way: each gore a filled polygon with its own
  shading (panel folds, uneven light), darker seams, other ring proportions (unequal disk rings, a wider gap),
  its own oblique map, a blurred rim and a different sky; so the reader is not tuned to one drawing.

The expected message is the one given to ``encode``; the photo's truth (mirrored or not) is the renderer's own.
"""

from __future__ import annotations

import io
import string

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from marsedl.chute.code import encode
from marsedl.chute.coords import parse_coordinates
from marsedl.chute.read import read
from marsedl.chute.render_photo import render_photo

N_MESSAGES = 20
SIDE = 720
MIN_AXIS_RATIO = 0.6


def _message(k: int) -> tuple[list[str], tuple[float, float]]:
    rng = np.random.default_rng(5000 + k)
    letters = list(string.ascii_uppercase)
    words = ["".join(rng.choice(letters, int(rng.integers(1, 9)))) for _ in range(3)]
    return words, (float(rng.uniform(-89, 89)), float(rng.uniform(-127, 127)))


def _polygon_photo(bits: np.ndarray, *, seed: int, mirrored: bool) -> Image.Image:
    """An independent drawing of a 4-ring canopy (3 disk rings + band): polygons, shading, blur, noise, JPEG."""
    rng = np.random.default_rng(seed)
    ss = 2  # supersampling
    n_rings, gores = bits.shape
    # ring radii as fractions of the outer edge: vent, three unequal disk rings, a gap, the band
    edges = np.array([0.09, 0.27, 0.50, 0.70])
    radii = [(edges[k], edges[k + 1]) for k in range(3)] + [(0.77, 1.0)]
    diameter = rng.uniform(500, 700)
    ratio = rng.uniform(MIN_AXIS_RATIO, 1.0)
    axis = rng.uniform(0, np.pi)
    rot = rng.uniform(0, 2 * np.pi)
    # oblique view: squash by `ratio` along the direction `axis` (an affine map with positive determinant)
    c, s = np.cos(axis), np.sin(axis)
    squash = np.array([[c, -s], [s, c]]) @ np.diag([1.0, ratio]) @ np.array([[c, s], [-s, c]])
    centre = SIDE / 2 + rng.uniform(-20, 20, 2)
    scale = diameter / 2

    def to_px(r: np.ndarray, theta: np.ndarray) -> list[tuple[float, float]]:
        # theta measured clockwise on screen from 12 o'clock (x right, y down)
        xy = np.stack([r * np.sin(theta), -r * np.cos(theta)]) * scale
        p = squash @ xy + centre[:, None]
        return [(float(x) * ss, float(y) * ss) for x, y in p.T]

    yy, xx = np.mgrid[0:SIDE, 0:SIDE] / SIDE
    sky = np.array([22, 26, 44]) * rng.uniform(0.7, 1.3) + (40 * (xx * rng.uniform(-1, 1) + yy))[..., None]
    img = Image.fromarray(np.clip(sky, 0, 255).astype(np.uint8), "RGB").resize((SIDE * ss, SIDE * ss))
    draw = ImageDraw.Draw(img)
    light = rng.uniform(0.75, 1.0)
    light_dir = rng.uniform(0, 2 * np.pi)
    step = 2 * np.pi / gores * (-1 if mirrored else 1)
    for r, (r_in, r_out) in enumerate(radii):
        for g in range(gores):
            t0 = rot + g * step
            arc = t0 + np.linspace(0, step, 6)
            outline = to_px(np.full(6, r_out), arc) + to_px(np.full(6, r_in), arc[::-1])
            base = np.array([200, 40, 48]) if bits[r, g] == 1 else np.array([232, 234, 240])
            shade = (0.88 + 0.12 * (g % 2)) * (light + (1 - light) * np.cos(t0 - light_dir))
            shade *= 1.0 - 0.12 * (r_out - 0.09)  # fabric further out a little darker
            colour = tuple(int(v) for v in np.clip(base * shade, 0, 255))
            draw.polygon(outline, fill=colour, outline=tuple(int(v * 0.7) for v in colour))
    # a blurred, darker rim on the band's outer edge
    rim = to_px(np.full(200, 1.0), np.linspace(0, 2 * np.pi, 200))
    draw.line(rim + rim[:1], fill=(90, 90, 100), width=3 * ss)
    img = img.resize((SIDE, SIDE), Image.Resampling.LANCZOS).filter(ImageFilter.GaussianBlur(0.7))
    arr = np.asarray(img, dtype=np.float64) + rng.normal(0, 6.0, (SIDE, SIDE, 3))
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=90)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def _project_photo(canopy, k: int, mirrored: bool) -> Image.Image:
    rng = np.random.default_rng(9000 + k)
    img, spec = render_photo(canopy, seed=k, size_px=(SIDE, SIDE), canopy_px=int(rng.integers(500, 701)),
                             max_tilt_deg=float(np.degrees(np.arccos(MIN_AXIS_RATIO))), mirror=mirrored,
                             jpeg_quality=90, noise_sigma=0.02)
    assert spec.mirrored == mirrored
    return img


@pytest.mark.parametrize("renderer", ["project", "polygons"])
def test_random_messages_read_fully(renderer):
    failures = []
    for k in range(N_MESSAGES):
        words, coords = _message(k)
        canopy = encode(words, coords)
        mirrored = k % 2 == 1
        if renderer == "project":
            img = _project_photo(canopy, k, mirrored)
        else:
            img = _polygon_photo(canopy.bits, seed=k, mirrored=mirrored)
        got = read(img)
        ok = (got.words == words and got.coordinates is not None
              and got.coordinates.dms == parse_coordinates(coords).dms and got.mirrored == mirrored)
        if not ok:
            failures.append((k, words, got.words, got.coordinates and got.coordinates.text, got.mirrored))
        # whatever is read, no character may be wrong
        for word, truth in zip(got.words, words, strict=True):
            if "?" in word:
                assert len(word) == len(truth) and all(c in ("?", t) for c, t in zip(word, truth, strict=True))
    assert not failures, f"{len(failures)} of {N_MESSAGES} not read fully: {failures}"
