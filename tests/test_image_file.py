"""The shared image opener (marsedl.image_file): each refusal is one line naming the file, before decoding when the
header already says enough."""

import tracemalloc

import numpy as np
import pytest
from PIL import Image

from marsedl.errors import DamagedFileError, MarsEDLError
from marsedl.image_file import open_image


def _open(p, **kw):
    return open_image(p, f"test image '{p.name}'", **{"max_pixels": 10_000, "mode": "L", **kw})


def _refusal(p, **kw) -> str:
    with pytest.raises(MarsEDLError) as err:
        _open(p, **kw)
    msg = str(err.value)
    assert f"test image '{p.name}'" in msg and "\n" not in msg
    return msg


def test_a_good_image_comes_back_converted_and_detached_from_its_file(tmp_path):
    p = tmp_path / "ok.png"
    Image.fromarray(np.array([[0, 255, 40], [255, 0, 200]], np.uint8)).save(p)
    im = _open(p, mode="RGB")
    p.unlink()  # decoded already: the file is no longer needed
    assert im.mode == "RGB" and im.size == (3, 2)
    assert np.asarray(im)[0, 1].tolist() == [255, 255, 255] and np.asarray(im)[1, 2].tolist() == [200, 200, 200]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_truncated_image_is_damaged(tmp_path, fmt):
    whole = tmp_path / f"whole.{fmt.lower()}"
    rng = np.random.default_rng(1)  # noise: the file does not compress, so half of it is half of the pixels
    Image.fromarray(rng.integers(0, 256, (80, 80), dtype=np.uint8)).save(whole, format=fmt)
    cut = tmp_path / f"cut.{fmt.lower()}"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(DamagedFileError):
        _open(cut)
    assert "is truncated or damaged" in _refusal(cut)


def test_a_file_that_is_not_an_image(tmp_path):
    p = tmp_path / "notes.png"
    p.write_text("not a picture")
    assert "is not an image Pillow can read" in _refusal(p)


def test_too_many_pixels_is_refused_from_the_header(tmp_path):
    """The bound is the caller's: 101 x 100 is one row over 10,000 pixels."""
    p = tmp_path / "big.png"
    Image.new("L", (101, 100)).save(p)
    assert "has 101 x 100 = 10,100 pixels: at most 10,000" in _refusal(p)
    Image.new("L", (100, 100)).save(p)
    assert _open(p).size == (100, 100)


def test_pillows_bomb_guard_is_a_one_line_refusal_without_decoding(tmp_path):
    """A PNG header declaring 30,000 x 30,000 (900 Mpx) trips Pillow's own guard on opening; nothing is decoded."""
    import struct
    import zlib

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    p = tmp_path / "bomb.png"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 30_000, 30_000, 8, 0, 0, 0, 0))
                  + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))
    tracemalloc.start()
    try:
        msg = _refusal(p, max_pixels=10**9)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "declares too many pixels" in msg and peak < 20e6


def test_missing_folder_format_and_file_size(tmp_path):
    assert "does not exist" in _refusal(tmp_path / "none.png")
    d = tmp_path / "dir.png"
    d.mkdir()
    assert "is a folder" in _refusal(d)
    jpg = tmp_path / "photo.jpg"
    Image.new("L", (4, 4)).save(jpg)
    assert "is a JPEG image: give PNG" in _refusal(jpg, formats={"PNG"})
    assert "is a JPEG image: a PNG please" in _refusal(jpg, formats={"PNG"}, format_hint="a PNG please")
    size = jpg.stat().st_size
    assert f"is {size:,} bytes: at most {size - 1:,} bytes" in _refusal(jpg, max_file_bytes=size - 1)


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(tmp_path):
    p = tmp_path / "large.jpg"
    Image.new("RGB", (800, 400), (200, 30, 30)).save(p)
    assert _open(p, mode="RGB", draft_side=100, max_pixels=10**6).size == (200, 100)  # 1/4: both sides >= 100
    assert _open(p, mode="RGB", draft_side=200, max_pixels=10**6).size == (400, 200)  # 1/2: 1/4 leaves 100 < 200
    assert _open(p, mode="RGB", draft_side=800, max_pixels=10**6).size == (800, 400)  # not larger: whole
