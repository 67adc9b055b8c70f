"""``marsedl chute``: the Mars 2020 parachute message codec on the command line.

Thin wrappers: parse, call :mod:`marsedl.chute`, print. Bad input raises
:class:`marsedl.errors.MarsEDLError`, which the root command prints as one line (exit code 2).
"""

from __future__ import annotations

import json
from itertools import groupby
from pathlib import Path
from typing import Annotated

import typer

from marsedl.cli import fmt
from marsedl.cli.fmt import Col, escape
from marsedl.errors import MarsEDLError, read_text

app = typer.Typer(help="The parachute code: encode a message into gores, decode a pattern, read a photo.",
                  no_args_is_help=True)

JPL_COORDINATES = "34°11'58\"N 118°10'31\"W"
"""JPL, Pasadena, as written on the Mars 2020 band (reference: parachute_code.md)."""


def _emit_json(data: dict) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _candidates(u: dict, best: int = 3) -> str:
    """The few likeliest candidates of an unknown character, equal probabilities said once: ``M, O (0.50 each)``."""
    pairs = list(zip(u.get("candidates", []), u.get("probabilities", []), strict=False))
    if not pairs:
        return "none likely"
    parts = []
    for p, group in groupby(pairs[:best], key=lambda cp: f"{cp[1]:.2f}"):
        chars = [c for c, _ in group]
        parts.append(f"{', '.join(chars)} ({p}{' each' if len(chars) > 1 else ''})")
    more = len(pairs) - best
    return ", ".join(parts) + (f" +{more}" if more > 0 else "")


def _where(decoded, u: dict) -> str:
    """``word 2, letter 3`` or ``band: latitude minutes`` (``band group N`` past the named fields)."""
    from marsedl.chute.code import BAND_FIELDS

    if decoded.band and u["ring"] == len(decoded.rings) - 1:
        i = u["index"]
        return f"band: {BAND_FIELDS[i]}" if i < len(BAND_FIELDS) else f"band group {i + 1}"
    return f"word {u['ring'] + 1}, letter {u['index'] + 1}"


def _print_decoded(decoded, title: str) -> None:
    """What was read: the words, the coordinates, each unknown character once with its few best candidates
    (every candidate in --json), and the remarks that are not about one character."""
    console = fmt.console()
    unsure = set(getattr(decoded, "uncertain_length", []))
    words = "  ".join(f"{w} (length unknown)".strip() if r in unsure else (w or "(empty)")
                      for r, w in enumerate(decoded.words)) or "(no disk rings)"
    rows = [("words", escape(words))]
    if decoded.coordinates is not None:
        c = decoded.coordinates
        rows.append(("coordinates", escape(f"{c.text}  ({c.lat_deg:.6f}, {c.lon_deg:.6f})")))
    elif decoded.band:
        rows.append(("coordinates", "[yellow]unreadable[/]"))
    view = "seen from above (mirrored)" if decoded.mirrored else "seen from below"
    rows.append(("orientation", f"start gore {decoded.start_gore}, {view}, p={decoded.orientation_confidence:.3f}"))
    rows.append(("confidence", f"{decoded.confidence:.3f}"))
    fmt.print_table(console, title, [Col("", name=True), Col("", name=True)], rows, show_header=False)
    unknown = list(decoded.unknown)
    if unknown:
        # a clause that every unknown character shares (an ambiguous orientation) is said once, under the table
        clauses = [u.get("reason", "").split("; ") for u in unknown]
        shared = [c for c in clauses[0] if c and all(c in cl for cl in clauses[1:])] if len(unknown) > 1 else []
        rows = []
        for u, cl in zip(unknown, clauses, strict=True):
            why = "; ".join([c for c in cl if c and c not in shared] + [u.get("photo_reason") or ""][:1]).strip("; ")
            rows.append((escape(_where(decoded, u)), escape(_candidates(u)), escape(why)))
        fmt.print_table(console, f"Unknown characters: {len(unknown)} (every candidate and its probability in "
                        "--json)", [Col("character", name=True), Col("best candidates", name=True),
                                    Col("why", name=True)], rows)
        if shared:
            console.print(escape(f"all of them: {'; '.join(shared)}"))
    for note in decoded.notes:
        if ": candidates " in note:  # the decoder's remark on one unknown character: the table says it
            continue
        console.print(f"[dim]note:[/] {escape(note)}")


def _read_pattern_file(path: Path) -> list[str]:
    if not path.exists():
        raise MarsEDLError(f"{path}: no such file")
    if path.is_dir():
        raise MarsEDLError(f"{path}: is a directory, need a text file with one 0/1/? string per ring")
    text = read_text(path, "pattern file", max_bytes=1_000_000)
    rings = []
    for line in text.splitlines():
        content = line.split("#", 1)[0].strip()
        if content:
            rings.append(content)
    if not rings:
        raise MarsEDLError(f"{path}: no rings found (one 0/1/? string per ring; blank lines and # comments "
                           f"are ignored)")
    return rings


@app.command("encode")
def encode_cmd(
    message: Annotated[list[str], typer.Argument(
        help="The words, one per disk ring, e.g. \"DARE MIGHTY THINGS\".")],
    coords: Annotated[str | None, typer.Option(
        "--coords", "-c", help="Band coordinates, e.g. 34°11'58\"N 118°10'31\"W or 34.1994,-118.1753 "
                               "(default: JPL's, as on Mars 2020, when the canopy has 80 gores).")] = None,
    no_band: Annotated[bool, typer.Option("--no-band", help="No band ring (disk rings only).")] = False,
    rings: Annotated[int, typer.Option(
        "--rings", help="Number of disk rings (one word each); the band is extra.")] = 3,
    gores: Annotated[int, typer.Option(
        "--gores", help="Gores per ring, a multiple of 10 (the band needs 80).")] = 80,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Draw the canopy to a .svg or .png file.")] = None,
    view: Annotated[str, typer.Option(
        "--view", help="Drawing seen from 'below' (as the rover) or 'above'.")] = "below",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of the rings.")] = False,
) -> None:
    """Encode words (and coordinates on the band) into the canopy's gores; print the rings as 0/1."""
    from marsedl.chute.code import encode

    if no_band and coords is not None:
        raise MarsEDLError("--coords and --no-band contradict each other; give one of them")
    if not " ".join(message).split():
        raise MarsEDLError("MESSAGE is empty: give at least one word (an empty message would leave every disk ring "
                           "blank)")
    band = None if no_band else coords if coords is not None else (JPL_COORDINATES if gores == 80 else None)
    canopy = encode(" ".join(message), band, disk_rings=rings, gores=gores)
    if output is not None:
        try:
            from marsedl.chute import draw
        except ImportError:
            raise MarsEDLError("--output: drawing needs marsedl.chute.draw, which is not available") from None
        path = draw.save(canopy, output, view=view)
        if not as_json:
            typer.echo(f"wrote {path}")
    words = [w.upper() for w in " ".join(message).split()]
    words += [""] * (canopy.disk_rings - len(words))
    if as_json:
        from marsedl.chute.coords import parse_coordinates

        coordinates = parse_coordinates(band).to_dict() if band is not None else None
        _emit_json({"rings": canopy.rings_text(), "words": words, "coordinates": coordinates, "unknown": [],
                    "confidence": 1.0, "band": canopy.band})
    elif output is None:
        for ring in canopy.rings_text():
            typer.echo(ring)


@app.command("decode")
def decode_cmd(
    pattern_file: Annotated[Path | None, typer.Argument(
        help="Text file: one 0/1/? string per ring, innermost first (blank lines and # comments "
             "ignored).")] = None,
    bits: Annotated[list[str] | None, typer.Option(
        "--bits", "-b", help="A ring as 0/1/? (repeat, innermost first).")] = None,
    band: Annotated[bool | None, typer.Option(
        "--band/--no-band",
        help="Whether the last ring is the band (default: decide from the bits).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Decode a canopy pattern read in any rotation and either direction."""
    from marsedl.chute.decoding import decode

    if pattern_file is not None and bits:
        raise MarsEDLError("give a pattern file or --bits, not both")
    if pattern_file is None and not bits:
        raise MarsEDLError("need a pattern file or --bits (one per ring, innermost first)")
    if pattern_file is not None:
        rings = _read_pattern_file(pattern_file)
        try:
            decoded = decode(rings, band=band)
        except MarsEDLError as exc:
            raise MarsEDLError(f"{pattern_file}: {exc}") from None
    else:
        decoded = decode(list(bits or []), band=band)
    if as_json:
        _emit_json(decoded.to_dict())
    else:
        _print_decoded(decoded, "parachute message")


@app.command("read")
def read_cmd(
    photo: Annotated[Path, typer.Argument(help="A photograph of the canopy (PNG, JPEG ...).")],
    band: Annotated[bool | None, typer.Option(
        "--band/--no-band", help="Whether the outer ring is the band (default: decide).")] = None,
    rings: Annotated[int, typer.Option(
        "--rings", help="Rings to look for in the photo, the band included.")] = 4,
    gores: Annotated[int, typer.Option("--gores", help="Gores per ring.")] = 80,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Read the message off a photograph of the canopy (seen from below or above, any rotation)."""
    try:  # a missing or unreadable photo is said by marsedl.image_file.open_image
        from marsedl.chute import read as reader
    except ImportError:
        raise MarsEDLError("read: needs marsedl.chute.read, which is not available") from None
    decoded = reader.read(photo, band=band, rings=rings, gores=gores)
    if as_json:
        _emit_json(decoded.to_dict())
    else:
        _print_decoded(decoded, f"parachute message read from {photo.name}")
