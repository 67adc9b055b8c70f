"""Entry guidance: the Apollo final-phase controller as flown by MSL and Mars 2020, as pure functions.

Literature: Moseley, "The Apollo Entry Guidance: A Review of the Mathematical Development and Its
Operational Characteristics" (TRW 1969); Mendeck & Carman, "Guidance Design for Mars Science Laboratory
Entry" (AIAA 2011); Mendeck & McGrew, JSR 2014. Written from the published equations.

Phases (per case, see :func:`entry_bank_command`)
    ``PRE_BANK``: before sensed drag reaches 0.2 g the vehicle flies the reference bank;
    ``RANGE_CONTROL``: range prediction against the reference, vertical L/D command, lateral logic;
    ``HEADING_ALIGNMENT``: below ≈ 1100 m/s the bank steers the heading onto the target, |σ| ≤ 30°.
SUFR (bank to 0 and balance-mass ejection before deploy) is a sequence event owned by the engine.

Sign conventions
    *Bank* σ is positive when the lift vector is rolled to the **right** of the vertical plane containing
    the velocity (looking forward along the velocity): a positive bank turns the vehicle right.
    *Crossrange* (lateral) error is positive when the target lies to the **right** of that plane: radians of
    central angle (target unit vector · plane normal) by default; any unit works if the corridor uses it.
    *Heading error* is the target azimuth minus the velocity azimuth (clockwise positive), so a positive
    heading error needs a positive (right) bank.

Bank reversals are slewed linearly in bank angle under rate and acceleration limits, so a reversal always
passes through 0 (lift up), never through 180°: altitude is not given away during the reversal (MSL-like
choice; see :func:`rate_limited_bank`).

Everything is vectorised: arrays of cases broadcast together; per-case parameters may be arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from marsedl import laws
from marsedl.constants import G0, MARS_SURFACE_GRAVITY_M_S2
from marsedl.errors import MarsEDLError, finite_array

#: Phase codes returned by :func:`entry_bank_command`.
PRE_BANK = 0
RANGE_CONTROL = 1
HEADING_ALIGNMENT = 2

#: Floor on F3 in the command, m (avoids a division by zero where the reference ends).
F3_FLOOR_M = 1.0

#: 0.2 g in Earth g (9.80665 m/s²), the sensed drag at which MSL / Mars 2020 range control starts
#: (Mendeck & Carman 2011).
START_DRAG_M_S2 = 0.2 * G0


@dataclass(frozen=True, eq=False)
class ReferenceTrajectory:
    """Reference trajectory tables versus planet-relative speed (Apollo final phase).

    All tables share a strictly increasing speed grid; :meth:`at` interpolates linearly and clamps at the
    ends. Build from a time history (speed decreasing) with :meth:`from_history`.

    Parameters
    ----------
    speed_m_s : array_like (k,)
        Planet-relative speed grid, m/s, strictly increasing.
    range_to_go_m : array_like (k,)
        Reference range to the target (to the deploy point) at each speed, m.
    drag_m_s2 : array_like (k,)
        Reference drag acceleration, m/s².
    altitude_rate_m_s : array_like (k,)
        Reference altitude rate ḣ, m/s.
    f1, f2, f3 : array_like (k,)
        Sensitivities F1 = ∂R/∂D (m per m/s², < 0), F2 = ∂R/∂ḣ (m per m/s, > 0),
        F3 = ∂R/∂(L/D)_vertical (m, > 0; it falls to 0, even slightly below, at the very end of the
        reference, where the command saturates: see :func:`commanded_vertical_lod`).
    lod_vertical_ref : float or array_like (k,)
        Reference vertical L/D, (L/D) cos σ_ref (a constant, or a table on the same grid).
    """

    speed_m_s: NDArray[np.float64]
    range_to_go_m: NDArray[np.float64]
    drag_m_s2: NDArray[np.float64]
    altitude_rate_m_s: NDArray[np.float64]
    f1: NDArray[np.float64]
    f2: NDArray[np.float64]
    f3: NDArray[np.float64]
    lod_vertical_ref: NDArray[np.float64] | float

    def __post_init__(self) -> None:
        names = ("speed_m_s", "range_to_go_m", "drag_m_s2", "altitude_rate_m_s", "f1", "f2", "f3")
        arrays = {n: finite_array(f"reference trajectory {n}", getattr(self, n)) for n in names}
        k = arrays["speed_m_s"].size
        if k < 2:
            raise MarsEDLError("reference trajectory speed_m_s: needs at least 2 points")
        for n, a in arrays.items():
            if a.size != k:
                raise MarsEDLError(f"reference trajectory {n}: needs {k} values like speed_m_s (got {a.size})")
        if np.any(np.diff(arrays["speed_m_s"]) <= 0.0):
            raise MarsEDLError("reference trajectory speed_m_s: must be strictly increasing")
        if not np.any(arrays["f3"] > 0.0):
            raise MarsEDLError("reference trajectory f3: must be > 0 along the reference (range per unit L/D)")
        lod = finite_array("reference trajectory lod_vertical_ref", self.lod_vertical_ref)
        if lod.size not in (1, k):
            raise MarsEDLError(f"reference trajectory lod_vertical_ref: a scalar or {k} values")
        if np.any(np.abs(lod) > 1.0):
            raise MarsEDLError("reference trajectory lod_vertical_ref: each value must be in [-1, 1]")
        for n, a in arrays.items():
            object.__setattr__(self, n, a)
        object.__setattr__(self, "lod_vertical_ref", float(lod[0]) if lod.size == 1 else lod)

    @classmethod
    def from_history(
        cls,
        speed_m_s: ArrayLike,
        range_to_go_m: ArrayLike,
        drag_m_s2: ArrayLike,
        altitude_rate_m_s: ArrayLike,
        f1: ArrayLike,
        f2: ArrayLike,
        f3: ArrayLike,
        lod_vertical_ref: ArrayLike | float,
    ) -> ReferenceTrajectory:
        """Build from samples in any order (e.g. a time history with speed decreasing): sorts by speed."""
        v = np.asarray(speed_m_s, dtype=float)
        order = np.argsort(v, kind="stable")

        def s(x: ArrayLike) -> NDArray[np.float64]:
            return np.asarray(x, dtype=float)[order]

        lod = np.asarray(lod_vertical_ref, dtype=float)
        return cls(
            s(v), s(range_to_go_m), s(drag_m_s2), s(altitude_rate_m_s), s(f1), s(f2), s(f3),
            float(lod) if lod.ndim == 0 else lod[order],
        )

    def at(self, speed_m_s: ArrayLike) -> tuple[NDArray[np.float64], ...]:
        """Interpolate the tables at ``speed_m_s`` (any shape; clamped at the grid ends).

        Returns
        -------
        R_ref, D_ref, hdot_ref, F1, F2, F3 : ndarray
        """
        v = np.asarray(speed_m_s, dtype=float)
        grid = self.speed_m_s
        return tuple(
            np.interp(v, grid, t)
            for t in (self.range_to_go_m, self.drag_m_s2, self.altitude_rate_m_s, self.f1, self.f2, self.f3)
        )

    def lod_ref(self, speed_m_s: ArrayLike) -> NDArray[np.float64]:
        """Reference vertical L/D at ``speed_m_s``."""
        v = np.asarray(speed_m_s, dtype=float)
        if isinstance(self.lod_vertical_ref, float):
            return np.full(v.shape, self.lod_vertical_ref)
        return np.interp(v, self.speed_m_s, self.lod_vertical_ref)


@dataclass(frozen=True, eq=False)
class EntryGuidanceParams:
    """Entry-guidance constants. Any field may be an array of per-case values (broadcast with the state).

    Parameters
    ----------
    lod : float
        Vehicle hypersonic L/D (≈ 0.24 for MSL / Mars 2020, Edquist et al. 2022).
    k3 : float
        Over-control gain K3 (Apollo ≈ 4, Moseley 1969; the MSL value is not public).
    start_drag_m_s2 : float
        Sensed drag that starts range control: 0.2 g = 1.96 m/s² (Mendeck & Carman 2011).
    heading_alignment_speed_m_s : float
        Speed below which heading alignment replaces range control (≈ 1100 m/s, project reference, tag S).
    heading_alignment_max_bank_deg : float
        Bank limit in heading alignment (30°, same source).
    heading_alignment_gain : float
        Bank per heading error in heading alignment, rad/rad (a tuning value; 10 gives the 30° limit at 3°).
    corridor_c0, corridor_c1, corridor_c2 : float
        Lateral corridor half-width c0 + c1 V + c2 V², in the crossrange unit (radians of central angle by
        default: c0 = 1.5e-4 rad ≈ 0.5 km, c2 = 1.6e-10 rad s²/m² gives ≈ 17 km at 5.5 km/s and ≈ 0.7 km at
        1.1 km/s). Illustrative values: the flight corridors are not public; tune to get the 2–4 reversals
        MSL and Mars 2020 flew (Mars 2020 flew three).
    bank_rate_limit_deg_s, bank_accel_limit_deg_s2 : float
        Bank slew limits (20°/s, 5°/s², usual in MSL-class studies; project reference, tag M).
    min_bank_deg, max_bank_deg : float
        Limits on the range-control bank magnitude (0°–180° by default).
    period_s : float
        Guidance cycle (s): the engine computes the bank command every ``period_s`` of flight time, whatever its
        integration step, and holds it in between; the rate-limited bank moves by one cycle's worth per update
        (0.5 s, a model value; scalar).
    """

    lod: float | NDArray[np.float64] = 0.24
    k3: float | NDArray[np.float64] = 4.0
    start_drag_m_s2: float | NDArray[np.float64] = START_DRAG_M_S2
    heading_alignment_speed_m_s: float | NDArray[np.float64] = 1100.0
    heading_alignment_max_bank_deg: float | NDArray[np.float64] = 30.0
    heading_alignment_gain: float | NDArray[np.float64] = 10.0
    corridor_c0: float | NDArray[np.float64] = 1.5e-4
    corridor_c1: float | NDArray[np.float64] = 0.0
    corridor_c2: float | NDArray[np.float64] = 1.6e-10
    bank_rate_limit_deg_s: float | NDArray[np.float64] = 20.0
    bank_accel_limit_deg_s2: float | NDArray[np.float64] = 5.0
    min_bank_deg: float | NDArray[np.float64] = 0.0
    max_bank_deg: float | NDArray[np.float64] = 180.0
    period_s: float = 0.5

    def __post_init__(self) -> None:
        def check(name: str, lo: float, hi: float, lo_open: bool = False) -> None:
            a = np.asarray(getattr(self, name), dtype=float)
            ok = np.isfinite(a) & (a <= hi) & ((a > lo) if lo_open else (a >= lo))
            if not np.all(ok):
                bracket = "(" if lo_open else "["
                raise MarsEDLError(f"entry guidance {name}: each value must be in {bracket}{lo:g}, {hi:g}]")

        check("lod", 0.0, 1.0, lo_open=True)
        check("k3", 0.0, 100.0, lo_open=True)
        check("start_drag_m_s2", 0.0, 100.0)
        check("heading_alignment_speed_m_s", 0.0, 1e4)
        check("heading_alignment_max_bank_deg", 0.0, 90.0)
        check("heading_alignment_gain", 0.0, 1e3)
        check("corridor_c0", 0.0, 1e6)
        check("corridor_c1", -1e6, 1e6)
        check("corridor_c2", 0.0, 1e6)
        check("bank_rate_limit_deg_s", 0.0, 360.0, lo_open=True)
        check("bank_accel_limit_deg_s2", 0.0, 360.0, lo_open=True)
        check("min_bank_deg", 0.0, 180.0)
        check("max_bank_deg", 0.0, 180.0)
        if np.any(np.asarray(self.min_bank_deg) > np.asarray(self.max_bank_deg)):
            raise MarsEDLError("entry guidance min_bank_deg: must not exceed max_bank_deg")


def predicted_range_m(
    speed_m_s: ArrayLike, drag_m_s2: ArrayLike, altitude_rate_m_s: ArrayLike, ref: ReferenceTrajectory
) -> NDArray[np.float64]:
    """Apollo range prediction R_p = R_ref(V) + F1 (D − D_ref(V)) + F2 (ḣ − ḣ_ref(V)), m."""
    r_ref, d_ref, hdot_ref, f1, f2, _ = ref.at(speed_m_s)
    return r_ref + f1 * (np.asarray(drag_m_s2, dtype=float) - d_ref) + f2 * (
        np.asarray(altitude_rate_m_s, dtype=float) - hdot_ref
    )


def commanded_vertical_lod(
    speed_m_s: ArrayLike,
    drag_m_s2: ArrayLike,
    altitude_rate_m_s: ArrayLike,
    range_to_go_m: ArrayLike,
    ref: ReferenceTrajectory,
    params: EntryGuidanceParams,
) -> NDArray[np.float64]:
    """(L/D)_vc = (L/D)_ref + K3 (R_togo − R_p) / F3 (not yet limited).

    F3 is floored at ``F3_FLOOR_M`` (1 m) so the command saturates instead of dividing by zero at the end of
    the reference, where F3 → 0.
    """
    r_ref, d_ref, hdot_ref, f1, f2, f3 = ref.at(speed_m_s)
    f = np.asarray
    return laws.apollo_vertical_lod.py_func(f(range_to_go_m, dtype=float), f(drag_m_s2, dtype=float),
                                            f(altitude_rate_m_s, dtype=float), r_ref, d_ref, hdot_ref, f1, f2, f3,
                                            ref.lod_ref(speed_m_s), f(params.k3, dtype=float), F3_FLOOR_M)


def range_control_bank(
    speed_m_s: ArrayLike,
    drag_m_s2: ArrayLike,
    altitude_rate_m_s: ArrayLike,
    range_to_go_m: ArrayLike,
    ref: ReferenceTrajectory,
    params: EntryGuidanceParams,
    lod: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Bank-angle magnitude of the Apollo final-phase range controller, rad.

    |σ| = arccos(clip((L/D)_vc / (L/D), −1, 1)), then limited to [min_bank, max_bank]. More range to go than
    predicted gives more lift up (a smaller |σ|); less gives more lift down.

    Parameters
    ----------
    speed_m_s, drag_m_s2, altitude_rate_m_s, range_to_go_m : array_like
        Navigated planet-relative speed, sensed drag acceleration, altitude rate and range to the target.
    ref : ReferenceTrajectory
    params : EntryGuidanceParams
    lod : array_like, optional
        The vehicle's L/D to divide by (e.g. a navigated estimate); ``params.lod`` if omitted.

    Returns
    -------
    ndarray
        Bank magnitude in [0, π], rad.
    """
    lod_vehicle = np.asarray(params.lod if lod is None else lod, dtype=float)
    lodvc = commanded_vertical_lod(speed_m_s, drag_m_s2, altitude_rate_m_s, range_to_go_m, ref, params)
    return laws.bank_magnitude.py_func(lodvc, lod_vehicle, np.radians(params.min_bank_deg),
                                       np.radians(params.max_bank_deg))


def lateral_corridor(speed_m_s: ArrayLike, params: EntryGuidanceParams) -> NDArray[np.float64]:
    """Corridor half-width c0 + c1 V + c2 V² (crossrange unit), never below 0."""
    return laws.corridor_width.py_func(np.asarray(speed_m_s, dtype=float), params.corridor_c0, params.corridor_c1,
                                       params.corridor_c2)


def lateral_logic(
    speed_m_s: ArrayLike, crossrange: ArrayLike, current_sign: ArrayLike, params: EntryGuidanceParams
) -> NDArray[np.int8]:
    """Bank sign after the lateral logic: reverse when the crossrange leaves the corridor on the wrong side.

    Outside the corridor (|crossrange| > width(V)) the bank points toward the target, sign(crossrange); a
    bank already pointing there is kept, one pointing away is reversed. Inside, the sign is kept. A current
    sign of 0 is treated as +1.

    Returns
    -------
    ndarray of int8
        +1 (lift to the right) or −1.
    """
    xr = np.asarray(crossrange, dtype=float)
    sign = np.asarray(current_sign, dtype=float)
    return np.asarray(laws.lateral_sign.py_func(xr, lateral_corridor(speed_m_s, params), sign)).astype(np.int8)


def heading_alignment_bank(heading_error_rad: ArrayLike, params: EntryGuidanceParams) -> NDArray[np.float64]:
    """Signed bank for heading alignment: gain × heading error, limited to ±max (30° by default), rad."""
    limit = np.radians(params.heading_alignment_max_bank_deg)
    err = np.asarray(heading_error_rad, dtype=float)
    return laws.heading_alignment_bank.py_func(err, np.asarray(params.heading_alignment_gain, dtype=float), limit)


def rate_limited_bank(
    bank_now_rad: ArrayLike,
    bank_rate_now_rad_s: ArrayLike,
    bank_cmd_rad: ArrayLike,
    dt_s: float,
    params: EntryGuidanceParams,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Slew the bank toward the command for one step under rate and acceleration limits.

    The desired end-of-step rate points at the command, no larger than the rate limit nor than the rate from
    which braking at the acceleration limit still stops at the command (the discrete braking curve, about
    √(2 a |e|)); the rate moves toward it by at most a·dt; the bank moves by the mean of the old and new
    rates times dt (exact for a constant acceleration over the step). So |Δσ| ≤ rate limit · dt and
    |Δσ̇| ≤ accel limit · dt every step, and a slew from rest takes the bang-coast-bang minimum time without
    overshoot. Bank is a plain angle in [−π, π]: a reversal from +σ to −σ passes through 0 (lift up).

    Parameters
    ----------
    bank_now_rad, bank_rate_now_rad_s : array_like
        Current bank angle (rad) and bank rate (rad/s).
    bank_cmd_rad : array_like
        Commanded bank (rad, in [−π, π]).
    dt_s : float
        Step, s (> 0).
    params : EntryGuidanceParams

    Returns
    -------
    bank_next_rad, bank_rate_next_rad_s : ndarray
    """
    if not (np.isfinite(dt_s) and dt_s > 0.0):
        raise MarsEDLError(f"rate_limited_bank dt_s: must be a finite number > 0 (got {dt_s})")
    rate_max = np.radians(params.bank_rate_limit_deg_s)
    acc_max = np.radians(params.bank_accel_limit_deg_s2)
    bank, rate = laws.rate_limited_bank.py_func(np.asarray(bank_now_rad, dtype=float),
                                                np.asarray(bank_rate_now_rad_s, dtype=float),
                                                np.asarray(bank_cmd_rad, dtype=float), dt_s, rate_max, acc_max)
    return np.asarray(bank, dtype=float), np.asarray(rate, dtype=float)


class EntryCommand(NamedTuple):
    """Output of :func:`entry_bank_command` (arrays, one value per case)."""

    bank_rad: NDArray[np.float64]
    """Signed bank command, rad (positive: lift to the right)."""
    bank_sign: NDArray[np.int8]
    """Sign kept by the lateral logic (carry it to the next call)."""
    guidance_started: NDArray[np.bool_]
    """Latched: sensed drag has reached the start threshold (carry it to the next call)."""
    phase: NDArray[np.int8]
    """PRE_BANK, RANGE_CONTROL or HEADING_ALIGNMENT."""


def entry_bank_command(
    speed_m_s: ArrayLike,
    drag_m_s2: ArrayLike,
    altitude_rate_m_s: ArrayLike,
    range_to_go_m: ArrayLike,
    crossrange: ArrayLike,
    heading_error_rad: ArrayLike,
    bank_sign: ArrayLike,
    guidance_started: ArrayLike,
    ref: ReferenceTrajectory,
    params: EntryGuidanceParams,
) -> EntryCommand:
    """One guidance cycle for all cases: phase selection, range control or heading alignment, lateral logic.

    * Pre-bank (sensed drag has never reached ``start_drag_m_s2``): the reference bank
      arccos((L/D)_ref / (L/D)) with the current sign.
    * Range control (started, V > ``heading_alignment_speed_m_s``): :func:`range_control_bank` magnitude,
      sign from :func:`lateral_logic`.
    * Heading alignment (started, V ≤ that speed): :func:`heading_alignment_bank`.

    The state the caller must carry between calls is ``bank_sign`` (start with +1 or with the sign toward
    the target) and ``guidance_started`` (start False). The command then goes through
    :func:`rate_limited_bank` in the dynamics.
    """
    v = np.asarray(speed_m_s, dtype=float)
    d = np.asarray(drag_m_s2, dtype=float)
    started = np.asarray(guidance_started, dtype=bool) | (d >= params.start_drag_m_s2)
    heading_mode = started & (v <= params.heading_alignment_speed_m_s)
    range_mode = started & ~heading_mode
    phase = np.where(heading_mode, HEADING_ALIGNMENT, np.where(range_mode, RANGE_CONTROL, PRE_BANK))

    sign_now = np.where(np.asarray(bank_sign) < 0, -1, 1)
    sign = np.where(range_mode, lateral_logic(v, crossrange, sign_now, params), sign_now).astype(np.int8)

    mag_range = range_control_bank(v, d, altitude_rate_m_s, range_to_go_m, ref, params)
    mag_ref = np.arccos(np.clip(ref.lod_ref(v) / np.asarray(params.lod, dtype=float), -1.0, 1.0))
    mag = np.where(range_mode, mag_range, mag_ref)
    bank = np.where(heading_mode, heading_alignment_bank(heading_error_rad, params), sign * mag)
    shape = np.broadcast(v, d, bank).shape
    return EntryCommand(
        np.broadcast_to(bank, shape).astype(float),
        np.broadcast_to(sign, shape).astype(np.int8),
        np.broadcast_to(started, shape).copy(),
        np.broadcast_to(phase, shape).astype(np.int8),
    )


#: Mars mean radius, m (NASA NSSDC Mars Fact Sheet), default of the adjoint model (with marsedl.constants' gravity).
_MARS_MEAN_RADIUS_M = 3389.5e3


def _planar_rates(
    v: NDArray[np.float64],
    d: NDArray[np.float64],
    hdot: NDArray[np.float64],
    lodv: NDArray[np.float64],
    h_scale: NDArray[np.float64],
    g: NDArray[np.float64],
    r: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """d(D)/dV, d(ḣ)/dV and d(range)/dV of the planar entry equations with speed as the independent variable.

    Time rates: V̇ = −D − g ḣ/V; Ḋ = D (−ḣ/H + 2 V̇/V) (exponential atmosphere, D ∝ ρ V²);
    ḧ = V̇ ḣ/V + (L/D)_v D cos γ − (g − V²/r) cos² γ; ṡ = V cos γ, with sin γ = ḣ/V.
    """
    sin_g = np.clip(hdot / v, -1.0, 1.0)
    cos2 = 1.0 - sin_g**2
    vdot = -d - g * sin_g
    ddot = d * (-hdot / h_scale + 2.0 * vdot / v)
    hddot = vdot * sin_g + lodv * d * np.sqrt(cos2) - (g - v**2 / r) * cos2
    return ddot / vdot, hddot / vdot, v * np.sqrt(cos2) / vdot


def reference_sensitivities(
    speed_m_s: ArrayLike,
    drag_m_s2: ArrayLike,
    altitude_rate_m_s: ArrayLike,
    lod_vertical_ref: ArrayLike,
    scale_height_m: ArrayLike = 10.0e3,
    gravity_m_s2: ArrayLike = MARS_SURFACE_GRAVITY_M_S2,
    radius_m: ArrayLike = _MARS_MEAN_RADIUS_M + 30.0e3,
    n_steps: int = 4000,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Apollo sensitivities F1 = ∂R/∂D, F2 = ∂R/∂ḣ, F3 = ∂R/∂(L/D)_v by the adjoint of the planar equations.

    The range to go R(V) from speed V down to the last (lowest) tabulated speed is a function of the state
    x = (D, ḣ) at V. Its gradient λ = (F1, F2) obeys the adjoint equation, integrated backwards along the
    reference (from the lowest speed, where λ = 0, up to the highest):

        dλ/dV = −∂(ds/dV)/∂x − (∂f/∂x)ᵀ λ,      f = (dD/dV, dḣ/dV),

    and F3(V) = −∫_{V_f}^{V} λ_ḣ ∂(dḣ/dV)/∂(L/D)_v dV'. The planar model is that of :func:`_planar_rates`:
    non-rotating planet, exponential atmosphere of local scale height H (so a drag change at fixed V is an
    altitude change δh = −H δD / D), range measured as V cos γ along the surface. Jacobians are taken by
    central differences, the linear adjoint by the trapezoidal rule on a uniform grid of ``n_steps``.
    This is set-up code (run once per reference), not a per-step function.

    Parameters
    ----------
    speed_m_s, drag_m_s2, altitude_rate_m_s : array_like (k,)
        The reference trajectory sampled in any order (speed distinct), from entry to the final speed.
    lod_vertical_ref : float or array_like (k,)
        Vertical L/D flown on the reference.
    scale_height_m, gravity_m_s2, radius_m : float or array_like (k,)
        Local density scale height, gravity and radius along the reference (defaults: 10 km, 3.71 m/s²,
        Mars mean radius 3389.5 km + 30 km; FS).
    n_steps : int
        Integration steps between the lowest and highest speed.

    Returns
    -------
    f1, f2, f3 : ndarray (k,)
        In the order of the input samples.
    """
    v_in = np.asarray(speed_m_s, dtype=float).reshape(-1)
    k = v_in.size
    if k < 2 or np.unique(v_in).size != k:
        raise MarsEDLError("reference_sensitivities speed_m_s: needs at least 2 distinct speeds")
    if n_steps < 10:
        raise MarsEDLError("reference_sensitivities n_steps: must be at least 10")

    def per_node(name: str, x: ArrayLike) -> NDArray[np.float64]:
        a = np.broadcast_to(np.asarray(x, dtype=float), (k,)).astype(float)
        if not np.all(np.isfinite(a)):
            raise MarsEDLError(f"reference_sensitivities {name}: every value must be a finite number")
        return a

    order = np.argsort(v_in)
    cols = {
        "drag_m_s2": per_node("drag_m_s2", drag_m_s2),
        "altitude_rate_m_s": per_node("altitude_rate_m_s", altitude_rate_m_s),
        "lod_vertical_ref": per_node("lod_vertical_ref", lod_vertical_ref),
        "scale_height_m": per_node("scale_height_m", scale_height_m),
        "gravity_m_s2": per_node("gravity_m_s2", gravity_m_s2),
        "radius_m": per_node("radius_m", radius_m),
    }
    if np.any(cols["drag_m_s2"] <= 0.0) or np.any(cols["scale_height_m"] <= 0.0):
        raise MarsEDLError("reference_sensitivities: drag_m_s2 and scale_height_m must be > 0")
    vs = v_in[order]
    grid = np.linspace(vs[0], vs[-1], n_steps + 1)
    d, hd, lodv, hs, g, r = (np.interp(grid, vs, cols[n][order]) for n in cols)
    if np.any(-d - g * np.clip(hd / grid, -1, 1) >= 0.0):
        raise MarsEDLError(
            "reference_sensitivities: the reference must be decelerating (D + g sin γ > 0) at every sample; "
            "start the tables after the speed peak"
        )

    # Jacobians of f = (dD/dV, dḣ/dV) and of ds/dV with respect to x = (D, ḣ), central differences
    eps_d = 1e-6 * np.maximum(d, 1e-3)
    eps_h = 1e-6 * np.maximum(np.abs(grid), 1.0)
    fp = _planar_rates(grid, d + eps_d, hd, lodv, hs, g, r)
    fm = _planar_rates(grid, d - eps_d, hd, lodv, hs, g, r)
    gp = _planar_rates(grid, d, hd + eps_h, lodv, hs, g, r)
    gm = _planar_rates(grid, d, hd - eps_h, lodv, hs, g, r)
    jac = np.empty((grid.size, 2, 2))  # jac[i, row=f component, col=x component]
    jac[:, 0, 0] = (fp[0] - fm[0]) / (2 * eps_d)
    jac[:, 1, 0] = (fp[1] - fm[1]) / (2 * eps_d)
    jac[:, 0, 1] = (gp[0] - gm[0]) / (2 * eps_h)
    jac[:, 1, 1] = (gp[1] - gm[1]) / (2 * eps_h)
    ds_dx = np.stack([(fp[2] - fm[2]) / (2 * eps_d), (gp[2] - gm[2]) / (2 * eps_h)], axis=-1)
    # ∂(dḣ/dV)/∂(L/D)_v = D cos γ / V̇
    sin_g = np.clip(hd / grid, -1.0, 1.0)
    dfh_dp = d * np.sqrt(1.0 - sin_g**2) / (-d - g * sin_g)

    m = -np.transpose(jac, (0, 2, 1))  # dλ/dV = m λ + c
    c = -ds_dx
    lam = np.zeros((grid.size, 2))
    eye = np.eye(2)
    h = grid[1] - grid[0]
    for i in range(grid.size - 1):  # over the integration grid (set-up code), not over cases
        rhs = (eye + 0.5 * h * m[i]) @ lam[i] + 0.5 * h * (c[i] + c[i + 1])
        lam[i + 1] = np.linalg.solve(eye - 0.5 * h * m[i + 1], rhs)
    integrand = -lam[:, 1] * dfh_dp
    f3_grid = np.concatenate([[0.0], np.cumsum(0.5 * h * (integrand[1:] + integrand[:-1]))])

    f1 = np.empty(k)
    f2 = np.empty(k)
    f3 = np.empty(k)
    f1[order] = np.interp(vs, grid, lam[:, 0])
    f2[order] = np.interp(vs, grid, lam[:, 1])
    f3[order] = np.interp(vs, grid, f3_grid)
    return f1, f2, f3
