"""The parachute code: the real Mars 2020 canopy bit for bit, orientation finding, honest unknowns.

Expected values come from the reference transcription of the real canopy (parachute_code.md), typed in
below, and from the code's definition (3 white spacers + 7-bit value, A = 1 ... Z = 26), never from this
package's own output.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsedl.chute import Canopy, Coordinates, decode, encode
from marsedl.errors import MarsEDLError

# The real canopy, index 0 = first gore of the D group, clockwise seen from below (reference, groups of 10).
REAL_RINGS = [
    "0000000100 0000000001 0000010010 0000000101 0001111111 1111111111 1111111111 1111111111",  # DARE
    "0000010100 0000011001 0001111111 1111111111 0000001101 0000001001 0000000111 0000001000",  # MIGHTY
    "0001111111 1111111111 0000010100 0000001000 0000001001 0000001110 0000000111 0000010011",  # THINGS
    "0000100010 0000001011 0000111010 0000001110 0001110110 0000001010 0000011111 0000010111",  # band
]
REAL = ["".join(r.split()) for r in REAL_RINGS]
JPL = "34°11'58\"N 118°10'31\"W"
WORDS = ["DARE", "MIGHTY", "THINGS"]
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def real_canopy() -> Canopy:
    return Canopy.from_strings(REAL, band=True)


def spiral_starts(words: list[str], groups: int) -> list[int]:
    """Start group of each word: each starts where the previous word's data ended (reference)."""
    return [int(sum(len(w) for w in words[:r]) % groups) for r in range(len(words))]


# ------------------------------------------------------------------------------------------ the reference
def test_reference_transcription_is_consistent():
    """The typed-in bits agree with the reference's group values and coloured-gore counts."""
    bits = real_canopy().bits
    groups = bits.reshape(4, 8, 10) @ (1 << np.arange(9, -1, -1))
    assert groups.tolist() == [[4, 1, 18, 5, 127, 1023, 1023, 1023], [20, 25, 127, 1023, 13, 9, 7, 8],
                               [127, 1023, 20, 8, 9, 14, 7, 19], [34, 11, 58, 14, 118, 10, 31, 23]]
    assert bits.sum(axis=1).tolist() == [43, 31, 31, 28]


def test_encode_reproduces_the_real_canopy_bit_for_bit():
    canopy = encode(WORDS, band=JPL)
    assert canopy.band is True
    assert canopy.bits.shape == (4, 80)
    assert canopy.rings_text() == REAL
    assert canopy == real_canopy()
    # the same from a string, lower case, other ways of writing the coordinates
    assert encode("dare mighty things", band="34 11 58 N 118 10 31 W") == real_canopy()
    assert encode(WORDS, band=(34.1994, -118.1753)) == real_canopy()


def test_spiral_starts_as_on_the_real_canopy():
    """DARE at 0, MIGHTY at 40, THINGS at 20 (reference)."""
    canopy = encode(WORDS)
    assert [s * 10 for s in spiral_starts(WORDS, 8)] == [0, 40, 20]
    m = "0000001101"  # M = 13
    t = "0000010100"  # T = 20
    assert canopy.rings_text()[1][40:50] == m
    assert canopy.rings_text()[2][20:30] == t


def test_decode_real_canopy_under_every_rotation_and_direction():
    for start in range(80):
        for mirrored in (False, True):
            seen = real_canopy().as_seen(start, mirrored)
            # independent check of what "seen" means: gore `start` holds index 0, and index k sits k gores
            # clockwise from it seen from below, or counter-clockwise when seen from above
            step = -1 if mirrored else 1
            assert "".join(str(seen.bits[0, (start + step * k) % 80]) for k in range(10)) == REAL[0][:10]
            # all three input forms on a few orientations, the Canopy on all of them
            forms = (seen, seen.bits, seen.rings_text()) if start % 20 == 3 else (seen,)
            for pattern in forms:
                d = decode(pattern)
                assert d.words == WORDS
                assert d.coordinates is not None and d.coordinates.text == JPL
                assert d.coordinates.lat_deg == pytest.approx(34 + 11 / 60 + 58 / 3600)
                assert d.coordinates.lon_deg == pytest.approx(-(118 + 10 / 60 + 31 / 3600))
                assert (d.start_gore, d.mirrored) == (start, mirrored)
                assert d.rings == REAL
                assert d.unknown == []
                assert d.orientation_confidence > 0.999
                assert 0.5 < d.confidence <= 1.0
                assert d.band is True  # bare bits: the band was recognised, not told


def test_to_dict_keys():
    d = decode(real_canopy().as_seen(33, True))
    out = d.to_dict()
    assert {"rings", "words", "coordinates", "unknown", "confidence"} <= set(out)
    assert set(out["coordinates"]) == {"lat_deg", "lon_deg", "text"}
    assert out["coordinates"]["text"] == JPL
    assert out["start_gore"] == 33 and out["mirrored"] is True
    import json
    json.dumps(out)


# ------------------------------------------------------------------------------------------ encode details
def test_encode_values_and_filler():
    canopy = encode(["A", "34", "ZY"], disk_rings=3, gores=40)
    rings = canopy.rings_text()
    # A = 1 then "0001111111" then "1111111111" filler to the end of the 4-group ring
    assert rings[0] == "0000000001" + "0001111111" + "1111111111" * 2
    # "34" is one group holding 34 = 0100010, starting where A ended (group 1)
    assert rings[1] == "1111111111" + "0000100010" + "0001111111" + "1111111111"
    # ZY starts at group 2; Z = 26 = 0011010, Y = 25 = 0011001; filler start wraps to group 0
    assert rings[2] == "0001111111" + "1111111111" + "0000011010" + "0000011001"
    assert canopy.band is False


def test_empty_rings_and_full_ring():
    canopy = encode(["ABCD"], disk_rings=2, gores=40)
    rings = canopy.rings_text()
    assert rings[0] == "0000000001" "0000000010" "0000000011" "0000000100"  # A B C D, no filler
    assert rings[1] == "0001111111" + "1111111111" * 3  # empty ring, starts at group 4 % 4 = 0
    d = decode(canopy.as_seen(7, False))
    assert d.words == ["ABCD", ""]


def test_band_only_canopy():
    canopy = encode([], band=JPL, disk_rings=0)
    assert canopy.rings_text() == [REAL[3]]
    d = decode(canopy.as_seen(51, True))
    assert d.words == [] and d.coordinates.text == JPL


@pytest.mark.parametrize(("kwargs", "needle"), [
    (dict(words="DARE M1GHTY"), "'1' at position 2"),
    (dict(words=["DARÉ"]), "'É' at position 4"),
    (dict(words=["DARE", "MIGHTY", "THINGS", "X"]), "4 words but the canopy has 3 disk rings"),
    (dict(words=["ABCDEFGHI"]), "ring 1 holds 8"),
    (dict(words=["ABCDE"], gores=40), "ring 1 holds 4"),
    (dict(words=["200"]), "does not fit 7 bits"),
    (dict(words=["DARE"], band=JPL, gores=90), "band"),
    (dict(words=["DARE"], gores=85), "multiple of 10"),
    (dict(words=["DARE"], band="34 11 58 N 150 0 0 E"), "longitude degrees: 150"),
    (dict(words=["DARE"], band="34 11 60 N 118 10 31 W"), "latitude seconds"),
    (dict(words=["DARE"], band="34 61 1 N 118 10 31 W"), "latitude minutes"),
    (dict(words=[], disk_rings=0), "no ring"),
    (dict(words=["A"], disk_rings=-1), "disk_rings"),
])
def test_encode_errors_are_one_line_and_name_the_problem(kwargs, needle):
    with pytest.raises(MarsEDLError) as err:
        encode(**kwargs)
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


# ------------------------------------------------------------------------------------------ decode input
@pytest.mark.parametrize(("rings", "needle"), [
    ([REAL[0], REAL[1][:79], REAL[2]], "ring 2: 79 gores, expected 80"),
    ([REAL[0][:75]], "ring 1: 75 gores"),
    ([REAL[0], REAL[1].replace("1", "x", 1)], "ring 2, gore 6: character 'x'"),
    ([], "at least one ring"),
])
def test_decode_bad_strings(rings, needle):
    with pytest.raises(MarsEDLError) as err:
        decode(rings)
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


def test_decode_bad_arrays_and_band():
    with pytest.raises(MarsEDLError, match="allowed 1"):
        decode(np.full((2, 80), 2))
    with pytest.raises(MarsEDLError, match="band"):
        decode(encode(["AB"], gores=60).bits, band=True)


# ------------------------------------------------------------------------------------------ honest unknowns
def test_unknown_low_bit_makes_the_character_ambiguous():
    """D = 0000100; with its last bit unknown it is D (4) or E (5): report '?', never guess."""
    bits = real_canopy().bits.copy()
    bits[0, 9] = -1
    d = decode(Canopy(bits, band=True).as_seen(12, False))
    assert d.words == ["?ARE", "MIGHTY", "THINGS"]
    assert d.coordinates.text == JPL
    assert len(d.unknown) == 1
    u = d.unknown[0]
    assert (u["ring"], u["index"]) == (0, 0)
    assert sorted(u["candidates"]) == ["D", "E"]
    assert u["gores"] == [(12 + k) % 80 for k in range(10)]
    assert "unknown" in u["reason"]
    assert any("word 1" in n and "D" in n and "E" in n for n in d.notes)
    assert d.confidence < 0.6


def test_unknown_high_bit_is_resolved_by_the_letter_range():
    """A = 0000001; with the 64-bit unknown it could only be 1 or 65, and 65 is no letter: still A."""
    bits = real_canopy().bits.copy()
    bits[0, 13] = -1  # A's group is gores 10..19; value bits 13..19, MSB at 13
    d = decode(Canopy(bits, band=True))
    assert d.words == WORDS and d.unknown == []


def test_unknown_band_seconds():
    """58 = 0111010; last bit unknown -> 58 or 59 seconds: no coordinates, candidates 58 and 59."""
    bits = real_canopy().bits.copy()
    bits[3, 29] = -1
    d = decode(Canopy(bits, band=True).as_seen(40, True))
    assert d.words == WORDS
    assert d.coordinates is None
    assert [(u["ring"], u["index"]) for u in d.unknown] == [(3, 2)]
    assert sorted(d.unknown[0]["candidates"]) == ["58", "59"]
    assert any("latitude seconds" in n for n in d.notes)


def test_flip_out_of_range_is_reported_with_candidates():
    """S = 19 = 0010011; flipping its 8-bit gives 27 = 0011011, not a letter. Letters one flip from 27:
    K (11), S (19), Y (25), Z (26) -- the decoder must not pick one."""
    bits = real_canopy().bits.copy()
    bits[2, 76] ^= 1  # THINGS: S is group 7 (gores 70..79), value bits 73..79, the 8-bit at 76
    d = decode(Canopy(bits, band=True).as_seen(5, True))
    assert d.words == ["DARE", "MIGHTY", "THING?"]
    u = d.unknown[0]
    assert (u["ring"], u["index"]) == (2, 5)
    assert sorted(u["candidates"]) == ["K", "S", "Y", "Z"]
    assert "misread" in u["reason"]


def test_flip_with_one_letter_in_reach_is_corrected():
    """T = 20 = 0010100; flipping its 64-bit gives 84; the only letter one flip from 84 is T."""
    bits = real_canopy().bits.copy()
    bits[1, 3] ^= 1  # MIGHTY's T is ring 2 group 0, MSB at gore 3
    d = decode(Canopy(bits, band=True))
    assert d.words == WORDS and d.unknown == []


def test_spacer_and_filler_flips_are_absorbed():
    bits = real_canopy().bits.copy()
    bits[0, 1] ^= 1  # D's spacer
    bits[1, 35] ^= 1  # MIGHTY filler group
    bits[2, 2] ^= 1  # THINGS filler start's spacer
    bits[3, 50] ^= 1  # band spacer before 10
    d = decode(Canopy(bits, band=True).as_seen(61, False))
    assert d.words == WORDS and d.coordinates.text == JPL
    assert (d.start_gore, d.mirrored) == (61, False)


def test_orientation_not_fixed_is_said_not_guessed():
    """One full ring of letters and no band: every rotation by 10 gores is an equally valid word."""
    canopy = encode(["ABCDEFGH"], disk_rings=1)
    d = decode(canopy.as_seen(20, False))
    assert d.orientation_confidence < 0.5
    assert "A" not in d.words[0]  # the 8 rotations disagree on every character
    assert set(d.words[0]) == {"?"}
    assert any("orientation" in n for n in d.notes)
    assert d.confidence < 0.5


def test_half_the_canopy_unknown():
    bits = real_canopy().bits.copy()
    bits[:, 40:] = -1
    d = decode(Canopy(bits, band=True))
    truth = WORDS
    for tw, dw in zip(truth, d.words, strict=False):
        assert all(c in ("?", t) for c, t in zip(dw, tw, strict=False))
    assert d.coordinates is None


# ------------------------------------------------------------------------------------------ properties
@st.composite
def messages(draw):
    gores = draw(st.sampled_from(range(40, 130, 10)))
    groups = gores // 10
    n_rings = draw(st.integers(1, 5))
    band = gores == 80 and draw(st.booleans())
    n_disk = n_rings - band
    words = draw(st.lists(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=0, max_size=groups),
                          min_size=n_disk, max_size=n_disk))
    coords = None
    if band:
        coords = Coordinates(draw(st.floats(-90, 90)), draw(st.floats(-127.9, 127.9)))
    start = draw(st.integers(0, gores - 1))
    mirrored = draw(st.booleans())
    return words, coords, n_disk, gores, start, mirrored


def _check_never_wrong(d, words, coords, damaged=frozenset(), starts=None):
    """Every character reported known equals the truth, except inside a group in `damaged` (ring, group)."""
    assert len(d.words) == len(words)
    groups = None
    for r, (tw, dw) in enumerate(zip(words, d.words, strict=True)):
        # a one-group word whose value is not a letter is shown as its number ("65"): one character
        chars = [dw] if dw.isdigit() else list(dw)
        for i, c in enumerate(chars):
            if c == "?":
                assert any(u["ring"] == r and u["index"] == i for u in d.unknown)
                continue
            if starts is not None:
                groups = len(d.rings[0]) // 10
                if (r, (starts[r] + i) % groups) in damaged:
                    continue
            assert i < len(tw) and c == tw[i], (words, d.words, d.notes)
    if coords is not None and d.coordinates is not None:
        band_r = len(words)
        for j, (a, b) in enumerate(zip(coords.dms, d.coordinates.dms, strict=True)):
            assert a == b or (band_r, j) in damaged, (coords.text, d.coordinates.text)


@SETTINGS
@given(messages())
def test_roundtrip_any_message(msg):
    words, coords, n_disk, gores, start, mirrored = msg
    canopy = encode(words, coords, disk_rings=n_disk, gores=gores)
    d = decode(canopy.as_seen(start, mirrored))
    _check_never_wrong(d, words, coords)
    exact = d.words == words and (coords is None or (d.coordinates is not None
                                                     and d.coordinates.text == coords.text))
    if d.orientation_confidence >= 0.95:
        assert exact
        assert (d.start_gore, d.mirrored) == (start, mirrored)
    if not exact:  # only a real ambiguity of the code may stop an exact read, and it is said
        assert d.orientation_confidence < 0.95
        assert any("orientation" in n for n in d.notes)


@SETTINGS
@given(messages(), st.integers(0, 6), st.randoms(use_true_random=False))
def test_unknown_gores_never_give_a_wrong_character(msg, k, rnd):
    """k <= 6 unknown gores anywhere: every character reported known is right."""
    words, coords, n_disk, gores, start, mirrored = msg
    canopy = encode(words, coords, disk_rings=n_disk, gores=gores)
    bits = canopy.bits.copy()
    for flat in rnd.sample(range(bits.size), k):
        bits[np.unravel_index(flat, bits.shape)] = -1
    d = decode(Canopy(bits, canopy.band).as_seen(start, mirrored))
    _check_never_wrong(d, words, coords)
    if d.orientation_confidence >= 0.95:
        assert (d.start_gore, d.mirrored) == (start, mirrored)


@SETTINGS
@given(messages().filter(lambda m: m[2] >= 1), st.integers(1, 2), st.booleans(),
       st.randoms(use_true_random=False))
def test_flips_never_corrupt_another_character(msg, k, structure_only, rnd):
    """k <= 2 flipped gores (canopies with at least one disk ring).

    Flips in spacer or filler gores: every character reported known is right. Flips anywhere: a character
    reported wrong must have had one of its own value gores flipped (undetectable without parity).
    """
    words, coords, n_disk, gores, start, mirrored = msg
    canopy = encode(words, coords, disk_rings=n_disk, gores=gores)
    groups = gores // 10
    starts = spiral_starts(words, groups)
    value_gore = np.zeros(canopy.bits.shape, bool)
    for r, w in enumerate(words):
        for i in range(len(w)):
            g = (starts[r] + i) % groups
            value_gore[r, g * 10 + 3:g * 10 + 10] = True
    if coords is not None:
        value_gore[-1] = np.tile(np.arange(10) >= 3, groups)
    pool = np.flatnonzero(~value_gore.ravel()) if structure_only else np.arange(value_gore.size)
    if len(pool) < k:
        return
    bits = canopy.bits.copy()
    damaged = set()
    for flat in rnd.sample(list(pool), k):
        r, g = np.unravel_index(flat, bits.shape)
        bits[r, g] ^= 1
        if value_gore[r, g]:
            damaged.add((int(r), int(g) // 10))
    d = decode(Canopy(bits, canopy.band).as_seen(start, mirrored))
    _check_never_wrong(d, words, coords, frozenset(damaged), starts)


def test_mars2020_layout_decodes_exactly():
    """Random Mars 2020-layout messages (3 disk rings + band, 80 gores), random rotation and mirroring:
    all decode exactly (the band's hemisphere letters and ranges and the rings' filler fix orientation)."""
    rng = np.random.default_rng(2020)
    for _ in range(150):
        words = ["".join(chr(65 + int(x)) for x in rng.integers(0, 26, int(rng.integers(0, 9))))
                 for _ in range(3)]
        coords = Coordinates(float(rng.uniform(-90, 90)), float(rng.uniform(-127, 127)))
        start, mirrored = int(rng.integers(0, 80)), bool(rng.integers(0, 2))
        d = decode(encode(words, coords).as_seen(start, mirrored))
        assert d.words == words
        assert d.coordinates is not None and d.coordinates.text == coords.text
        assert (d.start_gore, d.mirrored) == (start, mirrored)


def test_soft_gore_probabilities_decide_with_the_code_and_never_guess():
    """Per-gore probabilities (as a photo gives them) combine with the code's structure.

    Truth: the real canopy. D = 0000100 at gores 0..9 (value bits 3..9), so gore 9 is D's last bit (D = 4, E = 5).
    """
    truth = real_canopy().bits
    p = np.where(truth == 1, 0.998, 0.002)  # clear gores are near certain; a few are not
    bits = truth.copy()
    # A spacer gore of R's group (gores 20..22) read weakly as coloured: the spacer structure overrules it.
    bits[0, 21], p[0, 21] = 1, 0.7
    # A band spacer, also weakly wrong, and two gores with no colour preference at all.
    bits[3, 11], p[3, 11] = 1, 0.65
    p[1, 45], p[2, 33] = 0.5, 0.5
    d = decode(Canopy(bits, band=True).as_seen(31, True), p_coloured=_as_seen_float(p, 31, True))
    assert d.words == WORDS and d.coordinates.text == JPL
    assert (d.start_gore, d.mirrored) == (31, True)
    # D's last bit weakly read as coloured (0.55): D or E, both letters. A hard decoder reads E;
    # with the probability it is '?', with D and E as the candidates.
    bits2, p2 = truth.copy(), np.where(truth == 1, 0.998, 0.002)
    bits2[0, 9], p2[0, 9] = 1, 0.55
    hard = decode(Canopy(bits2, band=True))
    assert hard.words[0] == "EARE"  # the flip is undetectable without the probabilities
    soft = decode(Canopy(bits2, band=True), p_coloured=p2)
    assert soft.words[0] == "?ARE"
    assert sorted(soft.unknown[0]["candidates"][:2]) == ["D", "E"]
    with pytest.raises(MarsEDLError, match="p_coloured"):
        decode(Canopy(bits2, band=True), p_coloured=p2[:, :40])


def _as_seen_float(p: np.ndarray, start: int, mirrored: bool) -> np.ndarray:
    """Float gore values moved as Canopy.as_seen moves bits."""
    n = p.shape[1]
    i = np.arange(n)
    out = np.empty_like(p)
    out[:, (start + (-i if mirrored else i)) % n] = p
    return out


def test_a_ring_seen_nowhere_has_its_length_flagged_not_claimed():
    """Ring 1 all unknown and nothing else fixing the spiral: its length is open, and the result says so."""
    bits = real_canopy().bits.copy()
    bits[0] = -1
    bits[1] = -1
    bits[3] = -1
    d = decode(Canopy(bits, band=True))
    assert 0 in d.uncertain_length and 1 in d.uncertain_length
    assert d.to_dict()["uncertain_length"] == d.uncertain_length
    full = decode(real_canopy())
    assert full.uncertain_length == []


class _Broken:
    """An array-like whose conversion hits a bug (of ours, or of the library it comes from)."""

    def __array__(self, dtype=None, copy=None):
        raise RecursionError("maximum recursion depth exceeded")


def test_ragged_bits_are_a_user_error_but_a_bug_is_not_dressed_as_one():
    from marsedl.chute.draw import to_svg

    with pytest.raises(MarsEDLError, match="canopy bits: cannot read as an array"):
        Canopy([[1, 0, 1], [1, 0]], band=False)
    with pytest.raises(MarsEDLError, match="canopy: cannot read bits"):
        to_svg([[1, 0, 1], [1, 0]])
    with pytest.raises(RecursionError):
        Canopy(_Broken(), band=False)
    with pytest.raises(RecursionError):
        to_svg(_Broken())
