"""``marsedl chute``: encode prints the real rings, decode finds the words in a rotated mirrored file,
JSON keys, and bad input gives a one-line error without a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from marsedl.cli import app
from marsedl.errors import MarsEDLError

runner = CliRunner()

# The real canopy (reference: parachute_code.md), index 0 = first gore of D, clockwise seen from below.
REAL = ["".join(r.split()) for r in [
    "0000000100 0000000001 0000010010 0000000101 0001111111 1111111111 1111111111 1111111111",
    "0000010100 0000011001 0001111111 1111111111 0000001101 0000001001 0000000111 0000001000",
    "0001111111 1111111111 0000010100 0000001000 0000001001 0000001110 0000000111 0000010011",
    "0000100010 0000001011 0000111010 0000001110 0001110110 0000001010 0000011111 0000010111",
]]
JPL = "34°11'58\"N 118°10'31\"W"


def rotated_mirrored(rings: list[str], start: int) -> list[str]:
    """The rings as seen from above with canonical index 0 at gore `start` (reading direction reversed)."""
    n = len(rings[0])
    out = []
    for ring in rings:
        obs = [""] * n
        for i, ch in enumerate(ring):
            obs[(start - i) % n] = ch
        out.append("".join(obs))
    return out


def one_line_user_error(result, *needles: str) -> None:
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert isinstance(result.exception, MarsEDLError), result.output
    msg = str(result.exception)
    assert "\n" not in msg
    for needle in needles:
        assert needle in msg, msg


def test_encode_prints_the_real_rings():
    result = runner.invoke(app, ["chute", "encode", "DARE MIGHTY THINGS", "--coords", JPL])
    assert result.exit_code == 0, result.output
    assert result.output.split() == REAL
    # the default band is JPL's, as on Mars 2020; words may also come as separate arguments
    result = runner.invoke(app, ["chute", "encode", "dare", "mighty", "things"])
    assert result.output.split() == REAL


def test_encode_other_sizes_and_no_band():
    result = runner.invoke(app, ["chute", "encode", "DARE MIGHTY THINGS", "--no-band"])
    assert result.output.split() == REAL[:3]
    result = runner.invoke(app, ["chute", "encode", "AB C", "--rings", "4", "--gores", "40"])
    assert result.exit_code == 0, result.output
    rings = result.output.split()
    assert len(rings) == 4 and all(len(r) == 40 for r in rings)  # no band: 120 gores cannot carry one
    assert rings[0] == "0000000001" "0000000010" "0001111111" "1111111111"  # A, B, then filler


def test_encode_json():
    result = runner.invoke(app, ["chute", "encode", "DARE MIGHTY THINGS", "--json"])
    data = json.loads(result.output)
    assert {"rings", "words", "coordinates", "unknown", "confidence"} <= set(data)
    assert data["rings"] == REAL
    assert data["words"] == ["DARE", "MIGHTY", "THINGS"]
    assert data["coordinates"]["text"] == JPL
    assert data["unknown"] == [] and data["confidence"] == 1.0


def test_encode_draws_svg(tmp_path):
    pytest.importorskip("marsedl.chute.draw")
    out = tmp_path / "canopy.svg"
    result = runner.invoke(app, ["chute", "encode", "DARE MIGHTY THINGS", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists() and "<svg" in out.read_text(encoding="utf-8")[:500]


def test_decode_rotated_mirrored_file(tmp_path):
    path = tmp_path / "pattern.txt"
    rings = rotated_mirrored(REAL, 29)
    path.write_text("# seen from above\n\n" + "\n".join(rings) + "  # band\n\n", encoding="utf-8")
    result = runner.invoke(app, ["chute", "decode", str(path)])
    assert result.exit_code == 0, result.output
    assert "DARE" in result.output and "MIGHTY" in result.output and "THINGS" in result.output
    assert JPL in result.output
    result = runner.invoke(app, ["chute", "decode", str(path), "--json"])
    data = json.loads(result.output)
    assert data["words"] == ["DARE", "MIGHTY", "THINGS"]
    assert data["coordinates"]["text"] == JPL
    assert data["start_gore"] == 29 and data["mirrored"] is True
    assert {"rings", "words", "coordinates", "unknown", "confidence"} <= set(data)


def test_decode_bits_with_unknown_gore():
    rings = list(REAL)
    rings[0] = rings[0][:9] + "?" + rings[0][10:]  # D's last bit: D or E
    args = ["chute", "decode"]
    for r in rings:
        args += ["--bits", r]
    data = json.loads(runner.invoke(app, [*args, "--json"]).output)
    assert data["words"] == ["?ARE", "MIGHTY", "THINGS"]
    assert sorted(data["unknown"][0]["candidates"]) == ["D", "E"]
    out = runner.invoke(app, args).output
    assert "?ARE" in out and "unknown" in out


def test_read_command_prints_what_the_reader_returns(tmp_path, monkeypatch):
    reader = pytest.importorskip("marsedl.chute.read")
    from marsedl.chute import decode

    photo = tmp_path / "photo.png"
    photo.write_bytes(b"not really an image; the reader is replaced below")
    calls = []

    def fake_read(path, **kw):
        calls.append((path, kw))
        return decode(rotated_mirrored(REAL, 5))

    monkeypatch.setattr(reader, "read", fake_read)
    result = runner.invoke(app, ["chute", "read", str(photo), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["words"] == ["DARE", "MIGHTY", "THINGS"]
    assert calls[0][0] == photo
    result = runner.invoke(app, ["chute", "read", str(photo)])
    assert "MIGHTY" in result.output and JPL in result.output


@pytest.mark.parametrize(("args", "needles"), [
    (["chute", "decode", "no/such/pattern.txt"], ("no/such/pattern.txt", "no such file")),
    (["chute", "read", "no/such/photo.png"], ("photo 'no/such/photo.png' does not exist",)),
    (["chute", "decode", "--bits", "0101"], ("ring 1", "multiple of 10")),
    (["chute", "decode", "--bits", REAL[0], "--bits", REAL[1][:70]], ("ring 2", "expected 80")),
    (["chute", "decode", "--bits", REAL[0].replace("0", "2", 1)], ("character '2'",)),
    (["chute", "decode"], ("--bits",)),
    (["chute", "encode", "DARE M1GHTY"], ("'1'", "position 2")),
    (["chute", "encode", "DARE", "--coords", "34 11 58 N 118 10 61 W"], ("longitude seconds",)),
    (["chute", "encode", "A B C D"], ("4 words", "3 disk rings")),
    (["chute", "encode", "ABCDEFGHI"], ("ring 1 holds 8",)),
    (["chute", "encode", "DARE", "--gores", "60", "--coords", JPL], ("band",)),
])
def test_bad_input_is_one_line(args, needles):
    one_line_user_error(runner.invoke(app, args), *needles)


def test_bad_file_names_the_file_and_the_ring(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text(REAL[0] + "\n" + REAL[1][:-1] + "\n", encoding="utf-8")
    result = runner.invoke(app, ["chute", "decode", str(path)])
    one_line_user_error(result, "bad.txt", "ring 2", "expected 80")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n\n", encoding="utf-8")
    one_line_user_error(runner.invoke(app, ["chute", "decode", str(empty)]), "empty.txt", "no rings")


def test_console_script_prints_one_line_and_exits_2(tmp_path):
    missing = tmp_path / "missing.txt"
    out = subprocess.run([sys.executable, "-m", "marsedl", "chute", "decode", str(missing)],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr + out.stdout
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "missing.txt" in lines[0]


def test_decode_says_length_unknown_instead_of_empty():
    """Rings 1, 2 and the band unseen: the words' lengths are open, and the table says so (not '(empty)')."""
    unseen = "?" * 80
    args = ["chute", "decode", "--band"]
    for ring in (unseen, unseen, REAL[2], unseen):
        args += ["--bits", ring]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "(length unknown)" in result.output and "(empty)" not in result.output
