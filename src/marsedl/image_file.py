"""Open an image file a user gave (a hazard map, a canopy photo) safely: bounded before any pixel is decoded, every
problem said in one line naming the file.

The caller sets the bound (pixels, and optionally file bytes and formats); the declared size is read from the
header and checked before the pixels are decoded, and Pillow's own decompression-bomb guard stays on behind it. A
missing, unreadable, damaged or unsupported file is a :class:`~marsedl.errors.MarsEDLError` (a
:class:`~marsedl.errors.DamagedFileError` when the file is there but not a whole image of an allowed format).
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Collection
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from marsedl.errors import DamagedFileError, MarsEDLError


def open_image(path: str | Path, what: str, *, max_pixels: int, mode: str, formats: Collection[str] | None = None,
               format_hint: str = "", max_file_bytes: int | None = None,
               draft_side: int | None = None) -> Image.Image:
    """The image at ``path``, decoded and converted to Pillow ``mode`` ("L", "RGB"...), detached from the file.

    ``what`` names the file in messages (``"hazard map 'site.png'"``). Refused in one line: a missing file or a
    folder, a file over ``max_file_bytes``, a format not in ``formats`` (Pillow's names, e.g. ``{"PNG"}``;
    ``format_hint`` says what to give instead), a declared size over ``max_pixels`` (from the header, before
    decoding), and a file Pillow cannot identify or decode (truncated, corrupt). ``draft_side``: a JPEG larger
    than this on its longer side is decoded at the smallest of JPEG's scales (1/2, 1/4, 1/8) that keeps both
    sides at least ``draft_side`` (``Image.draft``), so a large photo costs the memory of a smaller one.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise MarsEDLError(f"{what} does not exist") from None
    except OSError as exc:
        raise MarsEDLError(f"{what} cannot be read: {exc.strerror or exc}") from None
    if p.is_dir():
        raise MarsEDLError(f"{what} is a folder, not an image file")
    if max_file_bytes is not None and size > max_file_bytes:
        raise DamagedFileError(f"{what} is {size:,} bytes: at most {max_file_bytes:,} bytes")
    try:
        with warnings.catch_warnings():  # Pillow warns from 89 Mpx; the caller's bound below refuses in one line
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(p)  # reads the header only
        with im:
            if formats is not None and im.format not in formats:
                hint = format_hint or "give " + " or ".join(sorted(formats))
                raise DamagedFileError(f"{what} is a {im.format or 'non-image'} image: {hint}")
            w, h = im.size
            if w * h > max_pixels:
                raise MarsEDLError(f"{what} has {w} x {h} = {w * h:,} pixels: at most {max_pixels:,}")
            if draft_side is not None and im.format == "JPEG" and max(w, h) > draft_side:
                im.draft(mode, (draft_side, draft_side))
            im.load()
            out = im.convert(mode)
    except MarsEDLError:
        raise
    except PermissionError as exc:
        raise MarsEDLError(f"{what} cannot be read: {exc.strerror or exc}") from None
    except Image.DecompressionBombError:
        raise DamagedFileError(f"{what} declares too many pixels for Pillow to decode (refused before decoding): "
                               f"at most {max_pixels:,}") from None
    except UnidentifiedImageError:
        raise DamagedFileError(f"{what} is not an image Pillow can read (not an image file, or damaged)") from None
    except (OSError, ValueError, SyntaxError, EOFError, zlib.error) as exc:
        detail = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise DamagedFileError(f"{what} is truncated or damaged ({detail})") from None
    if out.width == 0 or out.height == 0:
        raise DamagedFileError(f"{what} holds no pixels")
    return out
