"""Reading synthetic photos: the message comes back exactly; hidden characters are reported unknown.

The photos come from :func:`marsedl.chute.render_photo.render_photo` (random rotation, mirror, oblique squash
up to 35 degrees, sky gradient, uneven light, blur, noise, JPEG quality 50-78, optionally a dark occluding
wedge). The expected message is the one given to ``encode``: an independent truth for each case.
"""

from __future__ import annotations

import struct
import tracemalloc
import zlib

import numpy as np
import pytest
from PIL import Image

from marsedl.chute.code import encode
from marsedl.chute.read import load_rgb, read, read_bits
from marsedl.chute.render_photo import render_photo
from marsedl.errors import MarsEDLError

# Large, clear canopies (920 px); photos at the size people have them are in test_read_synthetic.py.
SIZE = {"size_px": (1100, 960), "canopy_px": 920}
WORDS = ["DARE", "MIGHTY", "THINGS", "MARS", "ROVER", "LANDS", "JEZERO", "CRATER", "ROCKS", "SKY", "GO"]


def _message(seed: int) -> tuple[list[str], tuple[float, float]]:
    rng = np.random.default_rng(1000 + seed)
    words = [str(w) for w in rng.choice(WORDS, 3, replace=False)]
    return words, (float(rng.uniform(-80, 80)), float(rng.uniform(-127, 127)))


@pytest.mark.parametrize("seed", range(6))
def test_clear_photos_give_back_the_message(seed):
    words, coords = _message(seed)
    canopy = encode(words, coords)
    img, spec = render_photo(canopy, seed=seed, jpeg_quality=50 + 5 * seed, max_tilt_deg=25.0, **SIZE)
    got = read(img)
    assert got.words == words
    assert got.coordinates is not None
    assert got.coordinates.dms == encode.__globals__["parse_coordinates"](coords).dms
    assert got.mirrored == spec.mirrored


@pytest.mark.parametrize("seed", range(10, 14))
def test_occluded_photos_never_report_a_wrong_character(seed):
    words, coords = _message(seed)
    canopy = encode(words, coords)
    img, spec = render_photo(canopy, seed=seed, occlude=True, jpeg_quality=60, **SIZE)
    bits, info = read_bits(img)
    # Every gore read as a colour is right (compare under the best rotation/mirror against the truth).
    best = max(
        ((np.roll(bits[:, ::-1] if m else bits, -s, axis=1), m) for m in (False, True) for s in range(80)),
        key=lambda t: ((t[0] == canopy.bits) & (t[0] >= 0)).sum())
    aligned = best[0]
    known = aligned >= 0
    assert (aligned[known] == canopy.bits[known]).all()
    assert (~known).sum() >= 5  # the wedge hides gores; they are unknown, not guessed
    got = read(img)
    for word, truth in zip(got.words, words, strict=True):
        assert len(word) == len(truth) or set(word) == {"?"}
        assert all(c in ("?", t) for c, t in zip(word, truth, strict=False))
    if any("?" in w for w in got.words):
        assert any("unknown" in n or "unread" in n for n in got.notes)


def _single_colour_png(path, side: int) -> None:
    """A real single-colour (1-bit) PNG of side x side px, written row by row (a few MB of zlib input)."""
    co = zlib.compressobj(9)
    row = b"\x00" + b"\xff" * ((side + 7) // 8)
    data = b"".join(co.compress(row) for _ in range(side)) + co.flush()

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
                     + chunk(b"IDAT", data) + chunk(b"IEND", b""))


def test_bad_inputs_are_one_line_errors(tmp_path):
    bad = tmp_path / "x.png"
    bad.write_text("not an image")
    with pytest.raises(MarsEDLError, match=r"photo '.*x\.png' is not an image Pillow can read"):
        read(bad)
    with pytest.raises(MarsEDLError, match=r"photo '.*missing\.png' does not exist"):
        read(tmp_path / "missing.png")
    with pytest.raises(MarsEDLError, match="no canopy"):
        read(np.full((200, 200, 3), 0.2))
    with pytest.raises(MarsEDLError, match="expected a path"):
        read(42)
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (1, 1)).save(tiny)
    with pytest.raises(MarsEDLError, match=r"tiny.png: image is 1x1 px"):
        read(tiny)
    with pytest.raises(MarsEDLError, match="no canopy found"):  # red everywhere, no white fabric
        read(np.tile(np.array([0.8, 0.1, 0.1]), (300, 300, 1)))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_photo_is_a_one_line_error(tmp_path, fmt):
    canopy = encode("DARE MIGHTY THINGS", "34°11'58\"N 118°10'31\"W")
    img, _ = render_photo(canopy, seed=3, size_px=(400, 400), canopy_px=360, jpeg_quality=None)
    whole = tmp_path / f"whole.{fmt.lower()}"
    img.save(whole, format=fmt)
    cut = tmp_path / f"cut.{fmt.lower()}"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(MarsEDLError, match=r"cut\.\w+' is truncated or damaged"):
        read(cut)


def test_huge_declared_image_is_refused_before_decoding(tmp_path):
    """20,000 x 20,000 px (400 Mpx, 1.2 GB as RGB): refused from its header, without decoding it."""
    huge = tmp_path / "huge.png"
    _single_colour_png(huge, 20_000)
    tracemalloc.start()
    try:
        with pytest.raises(MarsEDLError, match=r"huge\.png' declares too many pixels"):
            read(huge)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50e6


def test_large_photo_is_reduced_on_load(tmp_path):
    """A 4,000 px photo is read at <= 1,600 px (bounded memory), and still gives back its message."""
    words, coords = _message(2)
    img, _ = render_photo(encode(words, coords), seed=2, size_px=(1000, 750), canopy_px=700, jpeg_quality=None,
                          max_tilt_deg=20.0)
    path = tmp_path / "big.jpg"
    img.resize((4000, 3000), Image.Resampling.BICUBIC).save(path, quality=85)
    rgb, _ = load_rgb(path)
    assert max(rgb.shape[:2]) <= 1600
    got = read(path)
    assert got.words == words
