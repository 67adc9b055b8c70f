"""Reading the real Mars 2020 canopy photos (NASA/JPL-Caltech, public domain) in ../shared/data/chute.

Truth: the 320 bits of the real canopy from /work/shared/reference/parachute_code.md (DARE / MIGHTY / THINGS,
band 34 11 58 N 118 10 31 W). What is asserted, and why:

- Bit accuracy: ``read_bits`` output is aligned with the truth under the best rotation and mirror (the photo's
  gore 0 is arbitrary), and the fraction of gores read as a colour that are right must stay above a floor set
  a few points under what was measured (raw frame: 268 of 320 read, all right; composite: 231 read, all
  right: its middle ring is not trusted, see read._MAX_ASTRAY), with a floor on how many gores are read at all.
- No known character is wrong: every character ``read`` reports (not ``?``) equals the true one, and the raw
  frame gives at least 12 of the 16 letters (issue #11's target; measured: 14, ``D?RE MIGHT? THINGS``), the
  composite at least 10 (measured: ``DARE ?????? THINGS``).
- What cannot be seen is reported unknown with a reason. Raw frame: the inner ring (DARE) lies under the
  riser's harness, the suspension-line confluence and the strap running from the vent to the right (the strap
  also crosses the gap, so the white gores along it are not trusted: under it a coloured gore looks white,
  which had misread Y as Q); most of the band is hidden by the backshell hardware on the right or too dark in
  the shadowed part of the rim; so the coordinates are not claimed. Composite (200 x 192 px): the inner ring's
  gore sectors are about 1.7 px wide, read with the blur (measured on the outer ring's edges) undone; the
  middle ring's gore grid does not run on from the outer ring's over most of the turn, so none of it is
  trusted (where it seems to run on, its M group lies one gore off: the composite's frames do not join there);
  the band's latitude degrees are 34 or 35 by one gore (the group's last) in the shadowed part of the rim, which
  is not read, so the coordinates are not claimed.
"""

from __future__ import annotations

import numpy as np
import pytest

from marsedl.chute.read import read, read_bits

ROWS = [
    "0000000100 0000000001 0000010010 0000000101 0001111111 1111111111 1111111111 1111111111",
    "0000010100 0000011001 0001111111 1111111111 0000001101 0000001001 0000000111 0000001000",
    "0001111111 1111111111 0000010100 0000001000 0000001001 0000001110 0000000111 0000010011",
    "0000100010 0000001011 0000111010 0000001110 0001110110 0000001010 0000011111 0000010111",
]
TRUTH = np.array([[int(c) for c in r.replace(" ", "")] for r in ROWS], dtype=np.int8)
WORDS = ["DARE", "MIGHTY", "THINGS"]

# (file, floor on gores read, floor on accuracy of read gores, floor on characters reported)
CASES = [("nasa_up_look_frame.png", 260, 0.97, 12), ("overlay_composite.png", 220, 0.97, 10)]


def _aligned(bits: np.ndarray) -> np.ndarray:
    """The read bits under the rotation/mirror that agrees best with the truth."""
    cands = [np.roll(bits[:, ::-1] if m else bits, -s, axis=1) for m in (False, True) for s in range(80)]
    return max(cands, key=lambda b: int(((b == TRUTH) & (b >= 0)).sum()))


def test_reference_truth_counts():
    assert TRUTH.sum(axis=1).tolist() == [43, 31, 31, 28]


@pytest.mark.parametrize(("name", "min_read", "min_acc", "_"), CASES)
def test_bit_accuracy_on_real_photos(shared_data, name, min_read, min_acc, _):
    bits, info = read_bits(shared_data / "chute" / name)
    assert bits.shape == (4, 80) and info["band"]
    a = _aligned(bits)
    known = a >= 0
    acc = float((a[known] == TRUTH[known]).mean())
    assert known.sum() >= min_read, f"{name}: only {known.sum()} gores read"
    assert acc >= min_acc, f"{name}: {acc:.3f} of read gores right"


@pytest.mark.parametrize(("name", "_", "__", "min_chars"), CASES)
def test_no_known_character_is_wrong(shared_data, name, _, __, min_chars):
    got = read(shared_data / "chute" / name)
    reported = 0
    for r, (word, truth) in enumerate(zip(got.words, WORDS, strict=True)):
        if set(word) == {"?"}:
            continue  # word not seen
        if word == "" and any(n.startswith(f"word {r + 1}: its length is uncertain") for n in got.notes):
            continue  # nothing seen of the ring: the decoder shows its likeliest length, 0, and says so
        assert len(word) == len(truth), (word, truth)
        for c, t in zip(word, truth, strict=True):
            if c != "?":
                assert c == t, (word, truth)
                reported += 1
    assert reported >= min_chars
    # Coordinates are claimed only if right (the band is largely hidden in both photos).
    if got.coordinates is not None:
        assert got.coordinates.dms == (34, 11, 58, "N", 118, 10, 31, "W")
    # Every unknown character says why, and the notes say which rings lost gores and why.
    assert got.unknown and all(u["reason"] for u in got.unknown)
    assert any(n.startswith("photo: ") for n in got.notes)


def test_raw_frame_reports_what_the_hardware_hides(shared_data):
    got = read(shared_data / "chute" / "nasa_up_look_frame.png")
    # DARE: under the harness, the confluence's lines and the strap; each gore is read from the fabric that
    # shows between them (test_no_known_character_is_wrong checks that whatever is read is right)
    assert len(got.words[0]) == 4 and got.words[0].replace("?", "") != ""
    assert got.coordinates is None  # band: hidden by hardware or in shadow
    # The strap from the vent to the right crosses the gap: the gores along it that look white are not
    # trusted (a coloured gore under it looks white), so the letters there are unknown, not misread.
    bits, info = read_bits(shared_data / "chute" / "nasa_up_look_frame.png")
    a = _aligned(np.where(info["reason"] == 4, 5, bits))  # mark those gores to find them after alignment
    strap = a[1:3] == 5  # middle and outer ring: nothing else hides them
    assert ((strap.sum(axis=1) >= 1) & (strap.sum(axis=1) <= 5)).all()  # a few gores, along the strap only
    assert (TRUTH[1:3][strap] == 1).any()  # one of them is a coloured gore that looks white
    photo_reasons = {u.get("photo_reason") for u in got.unknown}
    assert "hidden or too dark (not canopy fabric)" in photo_reasons
    assert "looks white under a strap crossing the gap" in photo_reasons
    band_note = [n for n in got.notes if n.startswith("photo: band:")]
    assert band_note and "hidden" in band_note[0]


def test_composite_rings_read_about_their_own_centres(shared_data):
    bits, info = read_bits(shared_data / "chute" / "overlay_composite.png")
    # The rings are not centred on the outline in this composite: each ring's centre is found from its gore
    # edges (measured offsets 2-5 px), which makes the outer ring and the band readable gore by gore.
    assert np.abs(info["ring_offsets_px"]).max() > 1.5
    a = _aligned(bits)
    for r, floor in ((2, 76), (3, 64)):
        known = a[r] >= 0
        assert known.sum() >= floor and (a[r][known] == TRUTH[r][known]).mean() >= 0.97, r
    # Ring 1 (DARE): its sectors are under 2 px wide (about 1.7 px at mid-ring); the blur measured on the wider
    # rings' red/white edges (a Gaussian of about 0.7 px) can be undone there, and the ring reads in full.
    assert (info["sector_width_px"][0] < 2.0).all()
    assert info["blur_sigma_px"] is not None and 0.3 < info["blur_sigma_px"] < 1.5
    known = a[0] >= 0
    assert known.sum() >= 76 and (a[0][known] == TRUTH[0][known]).mean() >= 0.97
    # Ring 2 (MIGHTY): its gore grid runs half a gore or more off the outer ring's over most of the turn, so
    # none of it is trusted (ambiguous colour), never guessed. Rightly: under its own grid its M group (gores
    # 40-49 from D) reads the true pattern one gore off (Z), where the grid seemed to run on.
    assert (bits[1] == -1).all() and (info["reason"][1] == 2).all()
    own = np.where(info["p_coloured"][1] >= 0.5, 1, 0)
    shift = next(s for s in range(80) if (np.roll(bits, -s, axis=1)[[0, 2]] == TRUTH[[0, 2]]).sum() >= 150)
    m_group = np.roll(own, -shift)[40:50]
    assert (m_group != TRUTH[1, 40:50]).any() and (m_group[:-1] == TRUTH[1, 41:50]).all()
    # Group by group under that grid: T and Y read right, but at least two other groups read as a valid letter
    # that is not the true one (M as Z, I as D, at 0.37 gore mean offset from the outer ring), so neither the
    # code's spacers nor its letter range would catch them: trusting part of the ring would give wrong letters.
    groups, truth = np.roll(own, -shift).reshape(8, 10), TRUTH[1].reshape(8, 10)
    assert (groups[:2] == truth[:2]).all()
    values = groups[:, 3:] @ (1 << np.arange(6, -1, -1))
    valid_wrong = (groups[:, :3] == 0).all(axis=1) & (values >= 1) & (values <= 26) & (groups != truth).any(axis=1)
    assert valid_wrong.sum() >= 2
    got = read(shared_data / "chute" / "overlay_composite.png")
    assert got.words[0] == "DARE" and got.words[2] == "THINGS"
    assert set(got.words[1]) == {"?"}
    # The band's latitude degrees (34 = 0100010, 35 = 0100011) differ only in the group's last gore, band gore 9
    # from D, which lies in the shadowed part of the rim and is not read (not canopy fabric): the coordinates
    # are rightly not claimed.
    assert TRUTH[3, 9] == 0 and bits[3, (9 + shift) % 80] == -1 and info["reason"][3, (9 + shift) % 80] == 1
    assert got.coordinates is None
