"""Decode a canopy pattern: the Mars 2020 parachute code (:mod:`marsedl.chute.code`) read back.

Decoding works from a pattern whose starting gore and reading direction are unknown. Every hypothesis
(start gore, direction) is scored by its exact marginal likelihood under the code: each gore is misread
with probability ``flip_probability``, unknown gores (-1) carry no information, and the word lengths and
characters are summed over (a forward-backward pass along the spiral). Each character's posterior is
then summed over all hypotheses, so a character is reported only when every plausible orientation and
layout agree on it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from marsedl.chute.canopy import GROUP, Canopy
from marsedl.chute.code import (
    _BAND_ALLOWED,
    _FILL,
    _HEMI,
    BAND_FIELDS,
    BAND_GROUPS,
    FILL_START,
    LETTERS,
    MAX_VALUE,
    PATTERNS,
)
from marsedl.chute.coords import Coordinates
from marsedl.errors import MarsEDLError


@dataclass(frozen=True)
class Decoded:
    """What :func:`decode` read from a pattern.

    Attributes
    ----------
    rings : list of str
        The input rings in canonical orientation (index 0 = first gore of ring 0's word, clockwise seen from
        below) under the most probable orientation; ``?`` for unknown gores.
    words : list of str
        One per disk ring; an unreadable character is ``?``.
    coordinates : Coordinates or None
        The band's coordinates, or None without a band or when a band group is unreadable.
    unknown : list of dict
        One per unreadable character: ``{"ring", "index", "gores", "candidates", "probabilities", "reason"}``
        (``ring`` 0-based, the band being the last ring; ``index`` 0-based within the word or band; ``gores``
        the input gore indices of its group under the best orientation).
    confidence : float
        Approximate probability that the whole reading (every character, word length, orientation-dependent
        item) is right: the product of the per-item posteriors.
    start_gore : int
        Input gore index where canonical index 0 was found.
    mirrored : bool
        True if the input ran counter-clockwise seen from below (i.e. the canopy was seen from above).
    notes : list of str
        Human-readable remarks: why characters are unknown, ambiguous orientation or word length.
    orientation_confidence : float
        Posterior probability of (start_gore, mirrored).
    uncertain_length : list of int
        Disk rings (0-based) whose word length is not sure (posterior under ``min_probability``): the word
        shown is only the likeliest length (``""`` when nothing of the ring was seen), not a reading.
    """

    rings: list[str]
    words: list[str]
    coordinates: Coordinates | None
    unknown: list[dict]
    confidence: float
    start_gore: int
    mirrored: bool
    notes: list[str] = field(default_factory=list)
    orientation_confidence: float = 1.0
    band: bool = False
    uncertain_length: list[int] = field(default_factory=list)

    @property
    def message(self) -> str:
        """Words joined by spaces, with the coordinates text when present."""
        text = " ".join(self.words)
        if self.coordinates is not None:
            text = f"{text} {self.coordinates.text}".strip()
        return text

    def to_dict(self) -> dict:
        """JSON-ready dict: ``rings, words, coordinates, unknown, confidence`` (+ orientation and notes)."""
        return {
            "rings": list(self.rings),
            "words": list(self.words),
            "coordinates": None if self.coordinates is None else self.coordinates.to_dict(),
            "unknown": [dict(u) for u in self.unknown],
            "confidence": float(self.confidence),
            "start_gore": int(self.start_gore),
            "mirrored": bool(self.mirrored),
            "orientation_confidence": float(self.orientation_confidence),
            "band": bool(self.band),
            "uncertain_length": list(self.uncertain_length),
            "notes": list(self.notes),
        }


def _as_bits(pattern: Canopy | np.ndarray | Sequence[str]) -> tuple[np.ndarray, bool | None]:
    if isinstance(pattern, Canopy):
        return pattern.bits, pattern.band
    if isinstance(pattern, np.ndarray):
        arr = pattern[None, :] if pattern.ndim == 1 else pattern
        return Canopy(arr, band=False).bits, None
    if isinstance(pattern, str):
        pattern = [pattern]
    if isinstance(pattern, Sequence) and all(isinstance(p, str) for p in pattern):
        return Canopy.from_strings(list(pattern), band=False).bits, None
    try:
        return Canopy(np.asarray(pattern), band=False).bits, None
    except MarsEDLError:
        raise MarsEDLError("pattern: need a Canopy, a (rings, gores) array of 1/0/-1, or one 0/1/? string "
                           "per ring") from None


def _logsumexp(x: np.ndarray, axis: int | tuple[int, ...]) -> np.ndarray:
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return np.squeeze(out, axis=axis)


def _group_loglik(bits: np.ndarray, flip_probability: float,
                  p_coloured: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log-likelihood of every group under every pattern, for every (direction, start) hypothesis.

    Each known gore contributes ``log P(seen | pattern bit)``: from ``p_coloured`` (the probability that the
    gore is coloured) when given, else ``1 - flip_probability`` for agreeing with the bit and
    ``flip_probability`` for disagreeing. Unknown gores (-1) contribute nothing.

    Returns ``ll`` (H, R, C, 129), ``known`` (H, R, C) and ``gore_index`` (H, G): hypothesis ``h`` maps
    canonical gore ``i`` to input gore ``gore_index[h, i]``; h < G are forward (start h), h >= G mirrored
    (start h - G).
    """
    n_rings, n_gores = bits.shape
    i = np.arange(n_gores)
    s = np.arange(n_gores)[:, None]
    gore_index = np.concatenate([(s + i) % n_gores, (s - i) % n_gores])  # (H, G)
    seen = bits >= 0
    if p_coloured is None:
        p1 = np.where(bits == 1, 1.0 - flip_probability, flip_probability)
    else:
        p1 = np.clip(p_coloured, flip_probability, 1.0 - flip_probability)
    log1 = np.where(seen, np.log(p1), 0.0)  # (R, G) log P(seen | coloured)
    log0 = np.where(seen, np.log1p(-p1), 0.0)  # log P(seen | white)

    def canonical(a: np.ndarray) -> np.ndarray:
        c = np.transpose(a[:, gore_index], (1, 0, 2))  # (H, R, G)
        return c.reshape(c.shape[0], n_rings, n_gores // GROUP, GROUP)

    pats = PATTERNS.astype(np.float64)
    ll = canonical(log1) @ pats.T + canonical(log0) @ (1.0 - pats).T  # (H, R, C, P)
    known = canonical(seen.astype(np.float64)).sum(-1)
    return ll, known, gore_index


def _ring_loglik(ll: np.ndarray) -> dict:
    """Per disk ring, log-likelihood of (word start group ``a``, word length ``L``), characters summed out.

    ``ll``: (H, R, C, P) for the disk rings. Returns arrays with the layout likelihood ``lik`` (H, R, C, C+1)
    and per-group value posteriors under the letter prior (L >= 2) and the one-group prior (L == 1).
    """
    n_groups = ll.shape[2]
    ll_letter = ll[..., LETTERS]  # (H, R, C, 26)
    ll_single = ll[..., : MAX_VALUE + 1]  # (H, R, C, 128)
    lg_letter = _logsumexp(ll_letter, -1) - math.log(len(LETTERS))
    lg_single = _logsumexp(ll_single, -1) - math.log(MAX_VALUE + 1)
    post_letter = np.exp(ll_letter - math.log(len(LETTERS)) - lg_letter[..., None])
    post_single = np.exp(ll_single - math.log(MAX_VALUE + 1) - lg_single[..., None])

    ridx = (np.arange(n_groups)[:, None] + np.arange(n_groups)[None, :]) % n_groups  # (a, i) -> group
    x_letter = lg_letter[..., ridx]  # (H, R, a, i)
    fill = ll[..., _FILL][..., ridx]
    fill_start = ll[..., FILL_START][..., ridx]
    zeros = np.zeros(x_letter.shape[:-1] + (1,))
    data = np.concatenate([zeros, np.cumsum(x_letter, -1)], -1)  # (H, R, a, L) sum of first L groups
    data[..., 1] = lg_single[..., ridx[:, 0]]
    suffix = np.concatenate([np.cumsum(fill[..., ::-1], -1)[..., ::-1], zeros], -1)  # sum over j >= L
    filler = np.concatenate([fill_start + suffix[..., 1:], zeros], -1)  # L < C: start group + rest
    lik = data + filler - math.log(n_groups + 1)  # uniform prior on the word length 0..C
    return {"lik": lik, "post_letter": post_letter, "post_single": post_single, "ridx": ridx}


def _forward_backward(lik: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chain the disk rings along the spiral: ring r+1 starts at group (a_r + L_r) mod C, ring 0 at 0.

    Returns the log evidence per hypothesis (H,) and the posterior ``P(a_r, L_r | h)`` (H, R, C, C+1).
    """
    n_h, n_disk, n_groups, n_len = lik.shape
    nxt = (np.arange(n_groups)[:, None] + np.arange(n_len)[None, :]) % n_groups  # (a, L) -> next start
    onehot = np.zeros((n_groups * n_len, n_groups))
    onehot[np.arange(n_groups * n_len), nxt.ravel()] = 1.0
    alpha = np.full((n_disk + 1, n_h, n_groups), -np.inf)
    alpha[0, :, 0] = 0.0
    for r in range(n_disk):
        joint = (alpha[r][:, :, None] + lik[:, r]).reshape(n_h, -1)
        m = joint.max(-1, keepdims=True)
        with np.errstate(divide="ignore"):
            alpha[r + 1] = np.log(np.exp(joint - m) @ onehot) + m
    beta = np.zeros((n_disk + 1, n_h, n_groups))
    for r in range(n_disk - 1, -1, -1):
        beta[r] = _logsumexp(lik[:, r] + beta[r + 1][:, nxt], -1)
    log_z = _logsumexp(alpha[n_disk], -1) if n_disk else np.zeros(n_h)
    post = np.empty_like(lik)
    for r in range(n_disk):
        post[:, r] = np.exp(alpha[r][:, :, None] + lik[:, r] + beta[r + 1][:, nxt] - log_z[:, None, None])
    return log_z, post


def _band_loglik(ll_band: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Band ring: log evidence (H,) and value posteriors (H, 8, 128) under each group's allowed range."""
    n_h = ll_band.shape[0]
    evidence = np.zeros(n_h)
    post = np.zeros((n_h, BAND_GROUPS, MAX_VALUE + 1))
    for j, allowed in enumerate(_BAND_ALLOWED):
        lj = ll_band[:, j, allowed] - math.log(len(allowed))
        lz = _logsumexp(lj, -1)
        evidence += lz
        post[:, j, allowed] = np.exp(lj - lz[:, None])
    return evidence, post


def _char_text(value: int, letter: bool) -> str:
    return chr(64 + value) if letter and 1 <= value <= 26 else str(value)


def _band_text(j: int, value: int) -> str:
    if j in (3, 7):
        return {v: k for k, v in _HEMI.items()}.get(value, str(value))
    return str(value)


def decode(pattern: Canopy | np.ndarray | Sequence[str], *, band: bool | None = None,
           flip_probability: float = 1e-3, min_probability: float = 0.95,
           p_coloured: np.ndarray | None = None) -> Decoded:
    """Decode a canopy pattern whose starting gore and reading direction are unknown.

    Parameters
    ----------
    pattern : Canopy, array_like or sequence of str
        (rings, gores) bits, 1 coloured, 0 white, -1 unknown, innermost ring first, in any rotation and either
        direction (seen from below or from above). Strings use ``0``/``1``/``?``.
    band : bool, optional
        Whether the last ring is the band. None: the Canopy's own flag, or for bare bits decide from the
        pattern (only an 80-gore pattern can carry a band).
    flip_probability : float
        Assumed probability that a gore was misread (default 1e-3). Unknown gores carry no information.
    min_probability : float
        A character is reported only when its posterior probability (summed over all orientations and word
        layouts) reaches this value (default 0.95); otherwise it is ``?`` with its candidates.
    p_coloured : array_like, optional
        Soft evidence, same shape and gore order as the pattern: the probability that each gore is coloured
        (e.g. from a photo's pixels). Used for the gores the pattern marks as known (0/1), clipped to
        ``[flip_probability, 1 - flip_probability]``; gores the pattern marks unknown (-1) still carry no
        information. The code's structure (spacers, filler, letter and band ranges) then decides between
        readings the gores alone leave open.

    Returns
    -------
    Decoded

    Notes
    -----
    Guarantees, tested by property tests on random messages (1-5 rings, 40-120 gores, with and without band,
    random rotation and mirroring):

    - **Unknown gores**: with up to k = 6 unknown gores (anywhere), every character reported known is right;
      the others are ``?`` with candidates.
    - **Flipped gores**: with up to k = 2 flipped gores, flips in spacer or filler gores are absorbed (the
      message comes out exactly), and a flip never corrupts a character other than its own. A flip inside a
      character's 7 value bits is detected only when the result is outside the allowed values (e.g. above
      Z inside a word, minutes above 59 on the band): the code has no parity, so a flip that turns a D into
      an E is undetectable by any decoder. Such a character is then ``?`` with its candidates, or corrected
      when exactly one allowed value lies one flip away. (This holds for canopies with at least one disk
      ring; a band alone has too little structure: two flips can make it another valid band at another
      rotation.)
    - When the structure does not fix the orientation (e.g. one full ring and no band), the characters on
      which the plausible orientations disagree are ``?``, ``orientation_confidence`` is low and a note says
      so.

    Raises
    ------
    MarsEDLError
        Malformed input (ring lengths, characters other than 0/1/?), a band on a pattern that is not
        80 gores, or probabilities out of range.
    """
    bits, own_band = _as_bits(pattern)
    if not (0.0 < flip_probability < 0.5):
        raise MarsEDLError(f"flip_probability: {flip_probability!r}; need 0 < p < 0.5")
    if not (0.5 < min_probability <= 1.0):
        raise MarsEDLError(f"min_probability: {min_probability!r}; need 0.5 < p <= 1")
    if band is None:
        band = own_band
    n_rings, n_gores = bits.shape
    n_groups = n_gores // GROUP
    if band and n_groups != BAND_GROUPS:
        raise MarsEDLError(f"band: the band holds {BAND_GROUPS} groups ({BAND_GROUPS * GROUP} gores); this "
                           f"pattern has {n_gores} gores per ring")
    variants = [bool(band)] if band is not None else ([False, True] if n_groups == BAND_GROUPS else [False])

    if p_coloured is not None:
        p_coloured = np.asarray(p_coloured, dtype=np.float64)
        if p_coloured.shape != bits.shape:
            raise MarsEDLError(f"p_coloured: shape {p_coloured.shape}, need the pattern's {bits.shape}")
        if not np.all((p_coloured >= 0) & (p_coloured <= 1) | (bits < 0)):
            raise MarsEDLError("p_coloured: probabilities must lie in [0, 1] for every known gore")
        p_coloured = np.where(bits < 0, 0.5, p_coloured)
    ll, known, gore_index = _group_loglik(bits, flip_probability, p_coloured)
    fits = []
    for has_band in variants:
        n_disk = n_rings - int(has_band)
        if n_disk:
            rl = _ring_loglik(ll[:, :n_disk])
            log_z, post = _forward_backward(rl["lik"])
        else:
            rl, post, log_z = None, None, np.zeros(ll.shape[0])
        if has_band:
            band_ev, band_post = _band_loglik(ll[:, -1])
        else:
            band_ev, band_post = np.zeros(ll.shape[0]), None
        fits.append({"band": has_band, "n_disk": n_disk, "rl": rl, "post": post,
                     "evidence": log_z + band_ev, "band_post": band_post})

    ev = np.stack([f["evidence"] for f in fits])  # (variants, H)
    total = _logsumexp(ev.ravel(), 0)
    variant_ev = _logsumexp(ev, -1)
    p_variant = np.exp(variant_ev - total)
    best_v = int(np.argmax(p_variant))
    fit = fits[best_v]
    w = np.exp(ev[best_v] - variant_ev[best_v])  # P(h | variant)
    return _report(bits, fit, w, float(p_variant[best_v]), known, ll, gore_index, min_probability,
                   len(variants) > 1)


def _report(bits: np.ndarray, fit: dict, w: np.ndarray, p_variant: float, known: np.ndarray,
            ll: np.ndarray, gore_index: np.ndarray, min_p: float, band_guessed: bool) -> Decoded:
    n_rings, n_gores = bits.shape
    n_groups = n_gores // GROUP
    n_disk = fit["n_disk"]
    h_best = int(np.argmax(w))
    p_orient = float(w[h_best]) * p_variant
    keep = np.flatnonzero(w > 1e-12 * w[h_best])  # hypotheses that matter
    wk = w[keep]
    notes: list[str] = []
    unknown: list[dict] = []
    confidence = p_variant
    mirrored = h_best >= n_gores
    start = h_best - n_gores if mirrored else h_best
    canon = bits[:, gore_index[h_best]]
    lut = np.array(["?", "0", "1"])
    rings = ["".join(lut[row + 1]) for row in canon]

    def group_gores(k: int) -> list[int]:
        return [int(g) for g in gore_index[h_best, k * GROUP:(k + 1) * GROUP]]

    def reason_for(r: int, k: int, allowed: np.ndarray, extra: list[str]) -> str:
        reasons = []
        n_unk = GROUP - int(known[h_best, r, k])
        if n_unk:
            reasons.append(f"{n_unk} of its 10 gores unknown")
        best_fit = _min_mismatch(canon[r, k * GROUP:(k + 1) * GROUP], allowed)
        if best_fit:
            reasons.append(f"its bits fit no allowed value: at least {best_fit} gore(s) misread")
        reasons += extra
        if not reasons:
            reasons.append("ambiguous")
        return "; ".join(reasons)

    if p_variant < min_p:
        notes.append(f"could not tell whether the last ring is the band (p={p_variant:.2f} for "
                     f"{'band' if fit['band'] else 'no band'})")
    elif band_guessed:
        notes.append("the last ring read as " + ("the band (coordinates)" if fit["band"] else "a disk ring"))
    if p_orient < min_p:
        alt = np.argsort(w)[::-1][:3]
        alts = ", ".join(f"start gore {int(h) % n_gores}{' mirrored' if h >= n_gores else ''} (p={w[h]:.2f})"
                         for h in alt if w[h] > 1e-3)
        notes.append(f"the code does not fix the canopy's orientation: {alts}")
    orient_extra = ["the canopy's orientation is ambiguous"] if p_orient < min_p else []

    words: list[str] = []
    uncertain_length: list[int] = []
    if n_disk:
        rl, post = fit["rl"], fit["post"][keep]
        ridx = rl["ridx"]
        p_len = np.einsum("h,hral->rl", wk, post) * p_variant  # (R, L)
        # P(len > i, L >= 2) per (h, r, a, i): reverse cumulative sum over L
        tail = np.cumsum(post[..., ::-1], -1)[..., ::-1]  # tail[..., L] = P(len >= L)
        # one more column, P(len >= n_groups + 1) = 0: a ring of one group holds no letter of a word of 2 or more
        tail = np.concatenate([tail, np.zeros_like(tail[..., :1])], -1)
        i_idx = np.arange(n_groups)
        w_letter = tail[..., np.maximum(i_idx + 1, 2)]  # (h, r, a, i)
        pl = rl["post_letter"][keep][:, :, ridx]  # (h, r, a, i, 26)
        p_char = np.zeros((n_disk, n_groups, MAX_VALUE + 1))
        p_char[..., LETTERS] = np.einsum("h,hrai,hraiv->riv", wk, w_letter, pl)
        p_char[:, 0, :] += np.einsum("h,hra,hrav->rv", wk, post[..., 1], rl["post_single"][keep])
        p_char *= p_variant
        a_best = np.argmax(fit["post"][h_best].sum(-1), -1)  # (r,) MAP start group under best orientation
        for r in range(n_disk):
            length = int(np.argmax(p_len[r]))
            pl_best = float(p_len[r, length])
            confidence *= pl_best / p_variant
            len_extra = []
            if pl_best < min_p:
                others = ", ".join(f"{L} (p={p_len[r, L]:.2f})" for L in np.argsort(p_len[r])[::-1][:3]
                                   if p_len[r, L] > 0.01)
                notes.append(f"word {r + 1}: its length is uncertain: {others} characters")
                len_extra = ["the word's length is uncertain"]
                uncertain_length.append(r)
            chars = []
            for i in range(length):
                pv = p_char[r, i]
                v = int(np.argmax(pv))
                confidence *= float(pv[v]) / p_variant
                letter = length > 1 or 1 <= v <= 26
                if pv[v] >= min_p:
                    chars.append(_char_text(v, letter))
                    continue
                chars.append("?")
                order = [int(u) for u in np.argsort(pv)[::-1] if pv[u] >= 0.01][:8]
                k = int((a_best[r] + i) % n_groups)
                allowed = LETTERS if length > 1 else np.arange(MAX_VALUE + 1)
                unknown.append({
                    "ring": r, "index": i, "gores": group_gores(k),
                    "candidates": [_char_text(u, letter) for u in order],
                    "probabilities": [round(float(pv[u]), 4) for u in order],
                    "reason": reason_for(r, k, allowed, orient_extra + len_extra),
                })
            words.append("".join(chars))
        for u in unknown:
            word = words[u["ring"]]
            notes.append(f"word {u['ring'] + 1} ({word}), character {u['index'] + 1}: candidates "
                         f"{_candidates_text(u)}: {u['reason']}")

    coordinates = None
    if fit["band"]:
        p_band = np.einsum("h,hjv->jv", wk, fit["band_post"][keep]) * p_variant
        values = []
        r = n_rings - 1
        for j in range(BAND_GROUPS):
            pv = p_band[j]
            v = int(np.argmax(pv))
            confidence *= float(pv[v]) / p_variant
            if pv[v] >= min_p:
                values.append(v)
                continue
            values.append(None)
            order = [int(u) for u in np.argsort(pv)[::-1] if pv[u] >= 0.01][:8]
            entry = {"ring": r, "index": j, "gores": group_gores(j),
                     "candidates": [_band_text(j, u) for u in order],
                     "probabilities": [round(float(pv[u]), 4) for u in order],
                     "reason": reason_for(r, j, _BAND_ALLOWED[j], orient_extra)}
            unknown.append(entry)
            notes.append(f"band {BAND_FIELDS[j]}: candidates {_candidates_text(entry)}: {entry['reason']}")
        if all(v is not None for v in values):
            ld, lm, ls, ns, od, om, os_, ew = values
            try:
                coordinates = Coordinates.from_dms(ld, lm, ls, _band_text(3, ns), od, om, os_,
                                                   _band_text(7, ew))
            except MarsEDLError as exc:
                notes.append(f"band: the groups read {values} but do not form valid coordinates ({exc})")
        else:
            notes.append("band: coordinates incomplete: " + " ".join(
                "?" if v is None else _band_text(j, v) for j, v in enumerate(values)))
    return Decoded(rings=rings, words=words, coordinates=coordinates, unknown=unknown,
                   confidence=float(min(max(confidence, 0.0), 1.0)), start_gore=int(start),
                   mirrored=bool(mirrored), notes=notes, orientation_confidence=float(p_orient),
                   uncertain_length=uncertain_length,
                   band=bool(fit["band"]))


def _candidates_text(entry: dict) -> str:
    pairs = zip(entry["candidates"], entry["probabilities"], strict=True)
    return ", ".join(f"{c} (p={p:.2f})" for c, p in pairs)


def _min_mismatch(group_bits: np.ndarray, allowed: np.ndarray) -> int:
    """Fewest known gores of this group that disagree with any allowed value's bits."""
    pats = PATTERNS[allowed]
    knownm = group_bits >= 0
    return int(((pats != group_bits) & knownm).sum(-1).min())
