"""One row per case from the engine's flat event log: outcome, timeline, touchdown, miss, peaks, debris.

Everything is read off the log with array operations (a first-occurrence gather per event kind and per body);
nothing loops over cases. Missing events (a case that did not get there) are NaN. Column names carry units.
"""

from __future__ import annotations

import numpy as np

from marsedl.engine import EVENT_NAMES, OUTCOME_NAMES, EngineOutput, Ev
from marsedl.montecarlo.context import RunContext
from marsedl.planet import surface_distance_bearing
from marsedl.sequence import EVENTS

__all__ = ["TIMELINE", "case_table"]

#: Timeline events given a column group ``<event>_<quantity>`` (first occurrence; bank reversals also counted):
#: those of marsedl.sequence.EVENTS with ``columns``.
TIMELINE = tuple(Ev(k) for k, e in enumerate(EVENTS) if e.columns)

_EVENT_FIELDS = (("t_s", "t"), ("alt_agl_m", "alt_agl"), ("alt_mola_m", "alt_mola"), ("speed_m_s", "speed"),
                 ("mach", "mach"), ("q_pa", "q"), ("accel_g", "accel_g"))

#: Events whose ground-track point is also given as along/cross-track offsets from the target.
_TRACK_EVENTS = (Ev.PARACHUTE_DEPLOY, Ev.BACKSHELL_SEPARATION)


def _first(ev: dict[str, np.ndarray], mask: np.ndarray, n: int) -> np.ndarray:
    """Row index of each case's earliest event among ``mask`` (-1 where none)."""
    idx = np.flatnonzero(mask)
    cases = ev["case"][idx]
    order = np.lexsort((ev["t"][idx], cases))
    idx, cases = idx[order], cases[order]
    head = np.r_[True, cases[1:] != cases[:-1]] if idx.size else np.zeros(0, dtype=bool)
    sel = np.full(n, -1, dtype=np.int64)
    sel[cases[head]] = idx[head]
    return sel


def _take(col: np.ndarray, sel: np.ndarray) -> np.ndarray:
    out = np.full(sel.size, np.nan)
    ok = sel >= 0
    out[ok] = col[sel[ok]]
    return out


def _along_cross(ctx: RunContext, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (m) of points from the target along the approach direction and to its right."""
    dist, brg = surface_distance_bearing(ctx.target_lat_rad, ctx.target_lon_rad, lat, lon, ctx.radius_m)
    rel = brg - ctx.approach_azimuth_rad
    return dist * np.cos(rel), dist * np.sin(rel)


def case_table(out: EngineOutput, ctx: RunContext, start: int) -> dict[str, np.ndarray]:
    """Columns of the per-case results of one engine run whose case 0 is global case ``start``.

    Returns
    -------
    dict of str to ndarray
        ``case``, ``outcome`` (name), ``<event>_<quantity>`` for each timeline event, ``bank_reversal_count``,
        touchdown (``touchdown_lat_deg``, ``touchdown_vertical_speed_m_s``...), ``miss_distance_m``,
        ``miss_along_m``, ``miss_cross_m`` (along the approach heading and to its right), along/cross offsets
        at deploy and backshell separation, peaks, and for every shed body ``impact_<body>_<quantity>``
        (distance from the rover's touchdown point, or from the target when the rover did not land).
    """
    n = out.n_cases
    ev = out.events
    cols: dict[str, np.ndarray] = {"case": start + np.arange(n, dtype=np.int64)}
    cols["outcome"] = np.array([OUTCOME_NAMES[o] for o in out.outcome.tolist()], dtype=object)
    vehicle = ev["body"] == 0
    for code in TIMELINE:
        mask = (ev["code"] == code) & (vehicle | (code == Ev.FLYAWAY))
        sel = _first(ev, mask, n)
        name = EVENT_NAMES[code]
        for col, key in _EVENT_FIELDS:
            cols[f"{name}_{col}"] = _take(ev[key], sel)
        cols[f"{name}_lat_deg"] = np.degrees(_take(ev["lat"], sel))
        cols[f"{name}_lon_deg"] = np.degrees(_take(ev["lon"], sel))
        if code in _TRACK_EVENTS:
            along, cross = _along_cross(ctx, _take(ev["lat"], sel), _take(ev["lon"], sel))
            cols[f"{name}_along_m"], cols[f"{name}_cross_m"] = along, cross
    rev = (ev["code"] == Ev.BANK_REVERSAL) & vehicle
    cols["bank_reversal_count"] = np.bincount(ev["case"][rev], minlength=n).astype(np.int64)

    td = _first(ev, (ev["code"] == Ev.TOUCHDOWN) & vehicle, n)
    r = np.stack([_take(ev[k], td) for k in ("x", "y", "z")], axis=-1)
    v = np.stack([_take(ev[k], td) for k in ("vx", "vy", "vz")], axis=-1)
    up = r / np.linalg.norm(r, axis=-1, keepdims=True)
    vz = np.einsum("ij,ij->i", v, up)
    cols["touchdown_vertical_speed_m_s"] = -vz
    cols["touchdown_horizontal_speed_m_s"] = np.linalg.norm(v - vz[:, None] * up, axis=-1)
    td_lat, td_lon = _take(ev["lat"], td), _take(ev["lon"], td)
    miss, _ = surface_distance_bearing(ctx.target_lat_rad, ctx.target_lon_rad, td_lat, td_lon, ctx.radius_m)
    cols["miss_distance_m"] = miss
    cols["miss_along_m"], cols["miss_cross_m"] = _along_cross(ctx, td_lat, td_lon)

    for k, val in out.peaks.items():
        name = k if k.startswith(("deploy_", "propellant_", "peak_", "trn_")) else f"peak_{k}"
        cols[name] = np.asarray(val, dtype=float)

    landed = np.isfinite(td_lat)
    ref_lat = np.where(landed, td_lat, ctx.target_lat_rad)
    ref_lon = np.where(landed, td_lon, ctx.target_lon_rad)
    impact = ev["code"] == Ev.IMPACT
    for b, body in enumerate(out.body_names):
        if b == 0:
            continue
        sel = _first(ev, impact & (ev["body"] == b), n)
        lat, lon = _take(ev["lat"], sel), _take(ev["lon"], sel)
        dist, _ = surface_distance_bearing(ref_lat, ref_lon, lat, lon, ctx.radius_m)
        cols[f"impact_{body}_t_s"] = _take(ev["t"], sel)
        cols[f"impact_{body}_lat_deg"] = np.degrees(lat)
        cols[f"impact_{body}_lon_deg"] = np.degrees(lon)
        cols[f"impact_{body}_speed_m_s"] = _take(ev["speed"], sel)
        cols[f"impact_{body}_distance_m"] = dist
        cols[f"impact_{body}_mass_kg"] = _take(ev["mass"], sel)
    return cols
