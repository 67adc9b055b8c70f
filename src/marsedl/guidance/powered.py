"""Powered-descent guidance: closed-form E-guidance, time to go, the sky-crane controller, throttle limits.

Vectors are arrays whose **last axis has length 3**, in any frame in which gravity ``g`` is given (a local
frame with +z up is the natural choice: ``g = (0, 0, -3.71)``). Leading axes are cases and broadcast.

E-guidance (Apollo / "explicit" guidance family, see D'Souza 1997 and Cherry 1964): with time to go T the
*total* acceleration linear in time, a(τ) = c0 + c1 τ, that meets both the position ``r_f`` and the velocity
``v_f`` at τ = T has

    c0 = 6 (r_f − r − v T) / T² − 2 (v_f − v) / T,       c1 = 6 (v_f − v) / T² − 12 (r_f − r − v T) / T³,

and the thrust (non-gravity) acceleration to command now is a_T = c0 − g. Recomputed every guidance cycle
with a shrinking T, this is the commanded acceleration of the Apollo lunar descent and of MSL-class powered
approach studies.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from marsedl import laws
from marsedl.constants import G0
from marsedl.errors import MarsEDLError

#: Number of MR-80B descent engines (MSL / Mars 2020 descent stage, NASA/JPL press kit).
N_DESCENT_ENGINES = 8
#: MR-80B throttle range per engine, N (Dawson et al., "Development of the MR-80B throttling engine",
#: AIAA 2007: ≈ 31–3600 N). The press kit quotes ≈ 400–3100 N each as used in flight.
MR80B_MIN_THRUST_N = 31.0
MR80B_MAX_THRUST_N = 3600.0
#: Specific impulse, s: hydrazine monopropellant 210–225 s is the usual range; no primary source found for
#: MR-80B (project reference), so 220 s is a model value.
MR80B_ISP_S = 220.0
#: Sky-crane descent rate, m/s (NASA/JPL Mars 2020 press kit: ≈ 0.75 m/s).
SKY_CRANE_DESCENT_RATE_M_S = 0.75


def _vec(name: str, x: ArrayLike) -> NDArray[np.float64]:
    a = np.asarray(x, dtype=float)
    if a.ndim == 0 or a.shape[-1] != 3:
        raise MarsEDLError(f"{name}: must be a 3-vector (last axis of length 3), got shape {a.shape}")
    return a


def _positive_time(name: str, t: ArrayLike) -> NDArray[np.float64]:
    a = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(a) & (a > 0.0)):
        raise MarsEDLError(f"{name}: must be finite and > 0 s")
    return a


def eguidance_coefficients(
    r: ArrayLike, v: ArrayLike, r_f: ArrayLike, v_f: ArrayLike, t_go_s: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Coefficients (c0, c1) of the total acceleration a(τ) = c0 + c1 τ meeting ``r_f``, ``v_f`` at τ = T.

    Parameters
    ----------
    r, v : array_like (..., 3)
        Current position (m) and velocity (m/s).
    r_f, v_f : array_like (..., 3)
        Target position and velocity.
    t_go_s : array_like (...)
        Time to go T, s (> 0).

    Returns
    -------
    c0 : ndarray (..., 3)
        Total acceleration now, m/s².
    c1 : ndarray (..., 3)
        Its rate of change, m/s³.
    """
    r, v, r_f, v_f = (_vec(n, x) for n, x in (("r", r), ("v", v), ("r_f", r_f), ("v_f", v_f)))
    t = _positive_time("t_go_s", t_go_s)[..., None]
    dr = r_f - r - v * t
    dv = v_f - v
    c0 = laws.eguidance_acceleration.py_func(r, v, r_f, v_f, t, 0.0)  # the commanded acceleration, g aside
    c1 = 6.0 * dv / t**2 - 12.0 * dr / t**3
    return c0, c1


def eguidance_acceleration(
    r: ArrayLike, v: ArrayLike, r_f: ArrayLike, v_f: ArrayLike, t_go_s: ArrayLike, g: ArrayLike
) -> NDArray[np.float64]:
    """Commanded thrust acceleration a_T = 6 (r_f − r − v T)/T² − 2 (v_f − v)/T − g, m/s² (..., 3).

    ``g`` is the gravitational acceleration vector (pointing down, e.g. ``(0, 0, -3.71)``), so −g is the
    hover term. Clip the result to the engines' range with :func:`clip_thrust_vector` (after multiplying
    by mass).
    """
    r, v, r_f, v_f, g = (_vec(n, x) for n, x in (("r", r), ("v", v), ("r_f", r_f), ("v_f", v_f), ("g", g)))
    t = _positive_time("t_go_s", t_go_s)[..., None]
    return laws.eguidance_acceleration.py_func(r, v, r_f, v_f, t, g)


def time_to_go(
    r: ArrayLike,
    v: ArrayLike,
    r_f: ArrayLike,
    v_f: ArrayLike,
    up: ArrayLike = (0.0, 0.0, 1.0),
    t_min_s: float = 0.5,
    t_max_s: float = 120.0,
) -> NDArray[np.float64]:
    """Time to go from the vertical channel: constant vertical acceleration from (z, ż) to (z_f, ż_f).

    T = 2 (z_f − z) / (ż + ż_f), the time for which the E-guidance vertical acceleration is constant
    (c1 · up = 0): the descent decelerates uniformly in the vertical while the horizontal channel takes
    whatever linear profile meets its own ends in the same T.

    Where the vertical channel gives no positive time (moving away from the target height, or level at it)
    the result is ``t_max_s``; otherwise it is clipped to [``t_min_s``, ``t_max_s``]. Recompute every
    guidance cycle.

    Parameters
    ----------
    r, v, r_f, v_f : array_like (..., 3)
        Current and target position (m) and velocity (m/s).
    up : array_like (3,)
        Local vertical unit vector in the same frame.
    t_min_s, t_max_s : float
        Bounds on the result, s.

    Returns
    -------
    ndarray (...)
        Time to go, s.
    """
    if not (0.0 < t_min_s < t_max_s and np.isfinite(t_max_s)):
        raise MarsEDLError(f"time_to_go bounds: need 0 < t_min_s < t_max_s (got {t_min_s}, {t_max_s})")
    r, v, r_f, v_f, up = (
        _vec(n, x) for n, x in (("r", r), ("v", v), ("r_f", r_f), ("v_f", v_f), ("up", up))
    )
    up = up / np.linalg.norm(up, axis=-1, keepdims=True)
    dz = np.sum((r_f - r) * up, axis=-1)
    vz_sum = np.sum((v + v_f) * up, axis=-1)
    dz, vz_sum = np.broadcast_arrays(dz, vz_sum)
    t = laws.vertical_time_to_go_many(np.ascontiguousarray(dz.ravel(), dtype=float),
                                      np.ascontiguousarray(vz_sum.ravel(), dtype=float), float(t_min_s), float(t_max_s))
    return t.reshape(dz.shape)


def sky_crane_acceleration(
    v: ArrayLike,
    g: ArrayLike,
    descent_rate_m_s: ArrayLike = SKY_CRANE_DESCENT_RATE_M_S,
    gain_per_s: float = 2.0,
    up: ArrayLike = (0.0, 0.0, 1.0),
) -> NDArray[np.float64]:
    """Sky-crane velocity hold: thrust acceleration that drives the velocity to ``−descent_rate · up``.

    a_T = −g + k (v_ref − v), v_ref = −descent_rate · up: gravity compensation plus a proportional
    velocity loop; the velocity error decays as exp(−k t) (time constant 1/k = 0.5 s by default), and the
    horizontal velocity is nulled too. Target rate ≈ 0.75 m/s (NASA/JPL press kit).

    Parameters
    ----------
    v : array_like (..., 3)
        Velocity, m/s.
    g : array_like (..., 3)
        Gravitational acceleration vector, m/s².
    descent_rate_m_s : array_like (...)
        Descent rate to hold (> 0 downward), m/s.
    gain_per_s : float
        Velocity-loop gain k, 1/s (> 0).
    up : array_like (3,)
        Local vertical unit vector.
    """
    if not (np.isfinite(gain_per_s) and gain_per_s > 0.0):
        raise MarsEDLError(f"sky crane gain_per_s: must be a finite number > 0 (got {gain_per_s})")
    v = _vec("v", v)
    up = _vec("up", up)
    up = up / np.linalg.norm(up, axis=-1, keepdims=True)
    v_ref = -np.asarray(descent_rate_m_s, dtype=float)[..., None] * up
    return laws.velocity_hold_acceleration.py_func(v, v_ref, _vec("g", g), gain_per_s)


def throttle_limits(
    thrust_n: ArrayLike,
    n_engines: int = N_DESCENT_ENGINES,
    min_engine_thrust_n: float = MR80B_MIN_THRUST_N,
    max_engine_thrust_n: float = MR80B_MAX_THRUST_N,
) -> NDArray[np.float64]:
    """Clip a total thrust magnitude to [n · min, n · max], N (8 × MR-80B, 31–3600 N each, Dawson 2007)."""
    if n_engines < 1 or not (0.0 <= min_engine_thrust_n < max_engine_thrust_n):
        raise MarsEDLError(
            "throttle limits: need n_engines ≥ 1 and 0 ≤ min_engine_thrust_n < max_engine_thrust_n"
        )
    return np.clip(np.asarray(thrust_n, dtype=float), n_engines * min_engine_thrust_n,
                   n_engines * max_engine_thrust_n)


def clip_thrust_vector(
    thrust_vector_n: ArrayLike,
    n_engines: int = N_DESCENT_ENGINES,
    min_engine_thrust_n: float = MR80B_MIN_THRUST_N,
    max_engine_thrust_n: float = MR80B_MAX_THRUST_N,
    fallback_direction: ArrayLike = (0.0, 0.0, 1.0),
) -> NDArray[np.float64]:
    """Clip a commanded thrust vector's magnitude to the engines' range, keeping its direction.

    A zero command (no direction) becomes the minimum thrust along ``fallback_direction`` (up by default):
    running engines cannot throttle below their minimum.
    """
    f = _vec("thrust_vector_n", thrust_vector_n)
    mag = np.linalg.norm(f, axis=-1)
    fallback = _vec("fallback_direction", fallback_direction)
    fallback = fallback / np.linalg.norm(fallback, axis=-1, keepdims=True)
    safe = mag > 0.0
    direction = np.where(safe[..., None], f / np.where(safe, mag, 1.0)[..., None], fallback)
    return direction * throttle_limits(mag, n_engines, min_engine_thrust_n, max_engine_thrust_n)[..., None]


def propellant_mass_flow_kg_s(thrust_n: ArrayLike, isp_s: float = MR80B_ISP_S) -> NDArray[np.float64]:
    """Propellant mass flow ṁ = T / (Isp g0), kg/s."""
    if not (np.isfinite(isp_s) and isp_s > 0.0):
        raise MarsEDLError(f"isp_s: must be a finite number > 0 (got {isp_s})")
    return np.asarray(thrust_n, dtype=float) / (isp_s * G0)
