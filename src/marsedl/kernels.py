"""Compiled (numba) kernels of the engine's hot path: derivatives, RK4 steps and event functions of all bodies.

Why: a single nominal case is a population of one body at a time, so the NumPy engine spends nearly all its
time in per-call overhead (about 60 small array operations per derivative evaluation); a 10,000-case batch
spends it in temporaries. These kernels evaluate each body's forces in one fused scalar loop (gravity with
J2, Coriolis and centrifugal terms, the atmosphere grid, Mach tables, lift with bank, parachute inflation,
thrust) and :func:`advance_steps` flies every body from event to event in one call: RK4 steps at the phase's
step size, the entry guidance (bank) and the powered-descent thrust law at the start of each step, the event
functions at each step's end (reused as the next step's start), peak loads along the way. The engine's Python
loop then runs once per event, not once per step.

Per-body helpers are compiled without numba's reference-counting runtime (``_nrt=False``: they never
allocate), so a call does not atomically count references to each of its array arguments; that bookkeeping
cost more than a derivative's arithmetic. The kernels are compiled ``nogil``: :class:`marsedl.engine.Engine`
(``threads=N``) runs :func:`advance_steps` on disjoint row ranges from Python threads. There is no numba
``parallel`` kernel: an OpenMP thread pool in the parent makes a later ``fork`` (Monte Carlo workers) abort.

Each law the kernels apply (gravity, the frame terms, the reference ellipsoid, canopy inflation, heating, the
navigated state, the triggers, the entry guidance and the powered-descent guidance) is a compiled function of
:mod:`marsedl.laws`, the one the Python API calls too; this module adds only the data layout, the atmosphere
and table look-ups, the RK4 stages and the stepping loop.

Data layout (all arrays are float64 unless said):

``cf`` (n, NCF)
    Per-body controls and case values held over a step (columns ``CF_*``).
``ci`` (n, NCI) int64
    Per-body aero table, atmosphere row, case index and phase (columns ``CI_*``).
``p`` (NP,)
    Constants of the run: planet, site, grids, vehicle and event thresholds (indices ``P_*``).
``obs`` (n, NOBS)
    Observables of a state (columns ``O_*``): altitudes, speeds, Mach, q, density, sensed acceleration,
    local up, gravity with the frame terms (no aerodynamics, no thrust), drag acceleration, radius, sin lat,
    the parachute's own drag force (N; 0 without one).

Compiled functions use ``cache=True``: the first call on a machine compiles them (a few seconds, reported by
``benchmarks/bench_nominal.py``) and stores the machine code next to this file's ``__pycache__``; later
processes load it.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from marsedl.laws import (
    ellipsoid_radius,
    frame_acceleration,
    gravity_j2,
    inflation_fraction,
    navigated,
    radar_navigated_position,
    sutton_graves,
)
from marsedl.laws._jit import JIT as _JIT
from marsedl.laws._jit import LEAF as _LEAF
from marsedl.laws.entry_guidance import (
    apollo_vertical_lod,
    bank_magnitude,
    corridor_width,
    heading_alignment_bank,
    lateral_sign,
    rate_limited_bank,
)
from marsedl.laws.powered import eguidance_acceleration, velocity_hold_acceleration, vertical_time_to_go
from marsedl.laws.tables import exponential_extension, grid_cell
from marsedl.laws.triggers import altitude_floor_g, heat_shield_separation_g, range_trigger_g, velocity_trigger_g
from marsedl.phase import Phase

# --- per-body float columns (cf)
CF_CD_SCALE, CF_CL_SCALE, CF_CHUTE_CD_SCALE, CF_DENSITY_FACTOR, CF_WIND_SCALE = 0, 1, 2, 3, 4
CF_LIFTING, CF_COS_BANK, CF_SIN_BANK, CF_HAS_CHUTE, CF_T_LINE_STRETCH = 5, 6, 7, 8, 9
CF_THRUST_X, CF_THRUST_MAG = 10, 13  # thrust x, y, z in 10..12
CF_STOP_SPEED, CF_DEPLOY_ENABLED, CF_RANGE_TRIGGER, CF_VELOCITY_TRIGGER = 14, 15, 16, 17
CF_TARGET_LAT, CF_TARGET_LON, CF_T_DEPLOY, CF_T_MARK, CF_DRY_MASS = 18, 19, 20, 21, 22
CF_PD_TARGET, CF_FLYAWAY_DIR = 23, 26  # powered-descent aim point (x, y, z), fly-away azimuth (unit, x, y, z)
# entry guidance of the case (read and written by the kernel for an entry vehicle: see _guide1); CF_T_GUIDE is
# the flight time of its next guidance cycle (s; -inf: at the first step)
(CF_ENTRY_GUIDED, CF_GUIDED, CF_BANK0, CF_PLANAR, CF_AIM_RANGE, CF_BANK, CF_BANK_RATE, CF_BANK_SIGN,
 CF_GUIDANCE_ON, CF_HEADING_ALIGNED, CF_T_GUIDE, CF_GUIDANCE_LOG, CF_BANK_BEFORE) = range(29, 42)
# per-case event thresholds (Monte Carlo disperses them): heat-shield minimum time after deploy (s), backshell
# separation altitude above ground as the altimeter reads it (m), powered-descent delay after backshell
# separation (s)
CF_HS_MIN_TIME, CF_BACKSHELL_ALT, CF_POWERED_DELAY = 42, 43, 44
# navigation error of the case (see _nav1): 1.0 when non-zero, position error east/north/up (m, 46..48),
# velocity error east/north/up (m/s, 49..51)
CF_NAV_ON, CF_NAV_DR, CF_NAV_DV = 45, 46, 49
# planet-fixed unit vector of the case's target (x, y, z; from CF_TARGET_LAT/LON, computed once when packed)
CF_TARGET_UNIT = 52
NCF = 55
_T_EPS = 1e-9  # a cycle is due at a step starting this close before its time (steps land on it up to round-off)
# CF_GUIDANCE_LOG bits: events of the guidance the engine logs (at the state where they happen)
LOG_GUIDANCE_START, LOG_HEADING_ALIGNMENT, LOG_BANK_REVERSAL = 1, 2, 4
# entry-guidance constants (gpar), as marsedl.guidance.entry.EntryGuidanceParams (angles in rad)
(G_LOD, G_K3, G_START_DRAG, G_HA_SPEED, G_HA_LIMIT, G_HA_GAIN, G_C0, G_C1, G_C2, G_RATE_MAX, G_ACC_MAX,
 G_MIN_BANK, G_MAX_BANK, G_DT, G_F3_FLOOR, G_HEAT_K, G_NOSE_RADIUS) = range(17)
NG = 17
# reference trajectory rows (ref), on its speed grid (row 0)
R_SPEED, R_RANGE, R_DRAG, R_HDOT, R_F1, R_F2, R_F3, R_LOD = range(8)
# --- per-body int columns (ci)
CI_AERO_ID, CI_ATM_ROW, CI_CASE, CI_PHASE = 0, 1, 2, 3
NCI = 4
# --- observables (obs)
O_ALT_MOLA, O_ALT_AGL, O_SPEED, O_MACH, O_Q, O_RHO, O_AERO_G, O_UP, O_GRAV, O_DRAG, O_RAD, O_SLAT, O_CANOPY = (
    0, 1, 2, 3, 4, 5, 6, 7, 10, 13, 14, 15, 16)
NOBS = 17
# --- constants (p)
(P_GM, P_J2, P_RE, P_RP, P_W, P_UNDULATION, P_GROUND, P_GRID_HMIN, P_GRID_DH, P_GRID_HMAX, P_MACH_MAX,
 P_MACH_STEP, P_T_INFLATION, P_INFLATION_EXP, P_ISP_G0, P_PERT_HMIN, P_PERT_DH, P_HAS_PERT, P_SKIP_ALT,
 P_SUFR_SPEED, P_HS_MAX_MACH, P_HS_MIN_TIME, P_BACKSHELL_ALT, P_POWERED_DELAY, P_SKY_CRANE_ALT, P_BRIDLE,
 P_TOUCHDOWN_DETECT, P_FLYAWAY_BURN, P_MAX_TIME, P_TRIGGER_RANGE, P_MACH_LO, P_MACH_HI, P_Q_LO, P_Q_HI,
 P_TARGET_RADIUS, P_G0, P_N_ALT, P_SKY_CRANE_SPEED, P_THRUST_MIN, P_THRUST_MAX, P_FLYAWAY_COS, P_FLYAWAY_SIN,
 P_FLYAWAY_THRUST, P_HAS_WIND, P_HAS_WPERT, P_WPERT_HMIN, P_WPERT_DH, P_TRN, P_DEPLOY_FLOOR) = range(49)
NP = 49

# event columns, in the order of marsedl.engine._CONTINUOUS
(E_IMPACT, E_SKIP_OUT, E_STOP_SPEED, E_SUFR, E_DEPLOY, E_HS_SEP, E_BACKSHELL_SEP, E_POWERED_START,
 E_SKY_CRANE_START, E_TOUCHDOWN, E_FLYAWAY, E_FLYAWAY_BURN_END, E_PROPELLANT, E_TIMEOUT) = range(14)
N_EV = 14




@njit(**_LEAF)
def _cell(h, h_min, dh, n):
    """Cell ``i`` and fraction ``t`` of altitude ``h`` on the grid ``h_min + dh k`` (k < n): clamped to the grid,
    so values beyond its ends are held (:func:`marsedl.laws.tables.grid_cell`)."""
    f, t = grid_cell(h, h_min, dh, n)
    return int(f), t


@njit(**_LEAF)
def _mach_cell(mach, p):
    """Cell ``im`` and fraction ``fm`` of ``mach`` on the aerodynamic tables' uniform Mach grid (step
    ``p[P_MACH_STEP]``, held at its ends)."""
    u = min(max(mach, 0.0), p[P_MACH_MAX] - 1e-9) / p[P_MACH_STEP]
    im = int(u)
    return im, u - im


@njit(**_LEAF)
def _mach_lerp(tab, row, im, fm):
    """Row ``row`` of a Mach table at the point ``(im, fm)`` of :func:`_mach_cell` (linear in Mach)."""
    return tab[row, im] * (1.0 - fm) + tab[row, im + 1] * fm


@njit(**_JIT)
def table_at_mach(tab, rows, mach, p):
    """``tab[rows[k]]`` at ``mach[k]`` for each k: the engine's Mach interpolation over arrays."""
    out = np.empty(mach.shape[0])
    for k in range(mach.shape[0]):
        im, fm = _mach_cell(mach[k], p)
        out[k] = _mach_lerp(tab, rows[k], im, fm)
    return out


@njit(**_LEAF)
def _core(t, x, yy, z, vx, vy, vz, m, i, cf, ci, p, flat, top_h, bottom_h, cd_tab, cl_tab, chute_tab, pert, wpert):
    """Accelerations of body ``i`` at state ``(x, yy, z, vx, vy, vz, m)`` and what the observables need.

    Scalars in and out (no array views, so no reference counting per call): returns ``(ax, ay, az, mdot,
    alt_mola, alt_agl, mach, q, rho, aex, aey, aez, gx, gy, gz, ux, uy, uz, drag, rad, slat)`` where ``g*`` are
    gravity and the frame terms alone (everything but aerodynamics and thrust).
    """
    # geometry
    rxy2 = x * x + yy * yy
    rad = math.sqrt(rxy2 + z * z)
    rxy = math.sqrt(rxy2)
    slat = z / rad
    alt_mola = rad - ellipsoid_radius(rxy2 / (rad * rad), slat, p[P_RE], p[P_RP]) - p[P_UNDULATION]
    alt_agl = alt_mola - p[P_GROUND]
    # gravity (point mass + J2) and frame terms
    gx, gy, gz = gravity_j2(x, yy, z, rad, p[P_GM], p[P_J2], p[P_RE])
    fx, fy, fz = frame_acceleration(x, yy, z, vx, vy, vz, p[P_W])
    gx, gy, gz = gx + fx, gy + fy, gz + fz  # gravity and frame terms: the observables' "grav"
    ax, ay, az = gx, gy, gz
    # density factor (case factor x altitude-correlated perturbation)
    factor = cf[i, CF_DENSITY_FACTOR]
    if p[P_HAS_PERT] != 0.0:
        ip, tp = _cell(alt_mola, p[P_PERT_HMIN], p[P_PERT_DH], pert.shape[1])
        c = ci[i, CI_CASE]
        lo = pert[c, ip]
        factor = factor * (lo + tp * (pert[c, ip + 1] - lo))
    # atmosphere grid (marsedl.atmosphere.AtmosphereGrid.evaluate does the same over arrays)
    row = ci[i, CI_ATM_ROW]
    n_alt = int(p[P_N_ALT])  # altitudes per row (an integer division per call cost as much as a sqrt)
    ig, tg = _cell(alt_mola, p[P_GRID_HMIN], p[P_GRID_DH], n_alt)
    kk = row * n_alt + ig
    ext = 0.0  # inside the grid (the usual case): no extension, skip the two divisions
    if alt_mola > p[P_GRID_HMAX] or alt_mola < p[P_GRID_HMIN]:
        ext = exponential_extension(alt_mola, p[P_GRID_HMIN], p[P_GRID_HMAX], bottom_h[row], top_h[row])
    lo = flat[0, kk]
    rho = math.exp(lo + tg * (flat[0, kk + 1] - lo) + ext)
    rho = rho * factor
    lo = flat[3, kk]
    sound = lo + tg * (flat[3, kk + 1] - lo)
    ux, uy, uz = x / rad, yy / rad, z / rad
    vax, vay, vaz = vx, vy, vz
    if p[P_HAS_WIND] != 0.0 or p[P_HAS_WPERT] != 0.0:  # (no winds at all: skip the wind frame)
        lo = flat[4, kk]
        wind_e = lo + tg * (flat[4, kk + 1] - lo)
        lo = flat[5, kk]
        wind_n = lo + tg * (flat[5, kk + 1] - lo)
        # wind in the planet-fixed frame: east = (-y, x, 0)/rxy, north = up x east
        inv_rxy = 1.0 / max(rxy, 1e-9)
        ex, ey = -yy * inv_rxy, x * inv_rxy
        nx, ny, nz = -uz * ey, uz * ex, ux * ey - uy * ex
        ws = cf[i, CF_WIND_SCALE]
        we, wn = wind_e * ws, wind_n * ws
        if p[P_HAS_WPERT] != 0.0:  # the case's altitude-correlated wind offsets (as WindPerturbation.evaluate)
            iw, tw = _cell(alt_mola, p[P_WPERT_HMIN], p[P_WPERT_DH], wpert.shape[2])
            cw = ci[i, CI_CASE]
            lo = wpert[cw, 0, iw]
            we = we + (lo + tw * (wpert[cw, 0, iw + 1] - lo))
            lo = wpert[cw, 1, iw]
            wn = wn + (lo + tw * (wpert[cw, 1, iw + 1] - lo))
        vax = vx - (we * ex + wn * nx)
        vay = vy - (we * ey + wn * ny)
        vaz = vz - wn * nz
    vair = math.sqrt(vax * vax + vay * vay + vaz * vaz)
    inv_v = 1.0 / max(vair, 1e-9)
    q = 0.5 * rho * vair * vair
    mach = vair / sound
    aid = ci[i, CI_AERO_ID]
    im, fm = _mach_cell(mach, p)  # one Mach interpolation point for every table
    cda = _mach_lerp(cd_tab, aid, im, fm) * cf[i, CF_CD_SCALE]
    canopy = 0.0  # drag area of the parachute alone, m^2 (its force is the riser load)
    if cf[i, CF_HAS_CHUTE] != 0.0:
        dt_ls = t - cf[i, CF_T_LINE_STRETCH]
        frac = 1.0  # once inflated (no pow)
        if dt_ls < p[P_T_INFLATION]:
            frac = inflation_fraction(dt_ls, p[P_T_INFLATION], p[P_INFLATION_EXP])
        canopy = _mach_lerp(chute_tab, 0, im, fm) * cf[i, CF_CHUTE_CD_SCALE] * frac
        cda = cda + canopy
    drag = q * cda / m
    aex = -drag * vax * inv_v
    aey = -drag * vay * inv_v
    aez = -drag * vaz * inv_v
    lifting = cf[i, CF_LIFTING]
    if lifting != 0.0:
        lift = q * _mach_lerp(cl_tab, aid, im, fm) * cf[i, CF_CL_SCALE] / m * lifting
        vxh, vyh, vzh = vax * inv_v, vay * inv_v, vaz * inv_v
        ud = ux * vxh + uy * vyh + uz * vzh
        lx, ly, lz = ux - ud * vxh, uy - ud * vyh, uz - ud * vzh
        ln = 1.0 / max(math.sqrt(lx * lx + ly * ly + lz * lz), 1e-12)
        lx, ly, lz = lx * ln, ly * ln, lz * ln
        sx, sy, sz = vyh * lz - vzh * ly, vzh * lx - vxh * lz, vxh * ly - vyh * lx
        cb, sb = cf[i, CF_COS_BANK], cf[i, CF_SIN_BANK]
        aex += lift * (cb * lx + sb * sx)
        aey += lift * (cb * ly + sb * sy)
        aez += lift * (cb * lz + sb * sz)
    ax += aex
    ay += aey
    az += aez
    tx = ty = tz = 0.0
    if cf[i, CF_THRUST_MAG] != 0.0:
        tx = cf[i, CF_THRUST_X] / m
        ty = cf[i, CF_THRUST_X + 1] / m
        tz = cf[i, CF_THRUST_X + 2] / m
        ax += tx
        ay += ty
        az += tz
    return (ax, ay, az, -cf[i, CF_THRUST_MAG] / p[P_ISP_G0], alt_mola, alt_agl, mach, q, rho, aex, aey, aez, gx,
            gy, gz, ux, uy, uz, drag, rad, slat, q * canopy)


@njit(**_LEAF)
def _deriv1(t, y, i, cf, ci, p, flat, top_h, bottom_h, cd_tab, cl_tab, chute_tab, pert, wpert, dy, ob):
    """dy/dt of body ``i`` at state ``y`` (7,) into ``dy``; its observables into ``ob`` (NOBS,)."""
    r = _core(t, y[0], y[1], y[2], y[3], y[4], y[5], y[6], i, cf, ci, p, flat, top_h, bottom_h, cd_tab, cl_tab,
              chute_tab, pert, wpert)
    _put(y[3], y[4], y[5], r, p, dy, ob)


@njit(**_LEAF)
def _put(vx, vy, vz, r, p, dy, ob):
    """Write a :func:`_core` result as derivatives ``dy`` (7,) and observables ``ob`` (NOBS,)."""
    (ax, ay, az, mdot, alt_mola, alt_agl, mach, q, rho, aex, aey, aez, gx, gy, gz, ux, uy, uz, drag, rad,
     slat, canopy_force) = r
    dy[0], dy[1], dy[2] = vx, vy, vz
    dy[3], dy[4], dy[5] = ax, ay, az
    dy[6] = mdot
    ob[O_ALT_MOLA] = alt_mola
    ob[O_ALT_AGL] = alt_agl
    ob[O_SPEED] = math.sqrt(vx * vx + vy * vy + vz * vz)
    ob[O_MACH] = mach
    ob[O_Q] = q
    ob[O_RHO] = rho
    ob[O_AERO_G] = math.sqrt(aex * aex + aey * aey + aez * aez) / p[P_G0]
    ob[O_UP], ob[O_UP + 1], ob[O_UP + 2] = ux, uy, uz
    ob[O_GRAV], ob[O_GRAV + 1], ob[O_GRAV + 2] = gx, gy, gz
    ob[O_DRAG] = drag
    ob[O_RAD] = rad
    ob[O_SLAT] = slat
    ob[O_CANOPY] = canopy_force


@njit(**_LEAF)
def _rk4_s(t, h, y0, y1, y2, y3, y4, y5, y6, d3, d4, d5, d6, i, cf, ci, p, flat, top_h, bottom_h, cd_tab,
           cl_tab, chute_tab, pert, wpert):
    """One RK4 step of body ``i`` from the state ``y0..y6`` whose derivative (accelerations and mass rate)
    ``d3..d6`` is known; the stages are held in scalars. Returns the new state (7 scalars)."""
    a = (cf, ci, p, flat, top_h, bottom_h, cd_tab, cl_tab, chute_tab, pert, wpert)
    hh = 0.5 * h
    # k1 = (y3, y4, y5, d3, d4, d5, d6)
    s0, s1, s2 = y0 + hh * y3, y1 + hh * y4, y2 + hh * y5
    s3, s4, s5, s6 = y3 + hh * d3, y4 + hh * d4, y5 + hh * d5, y6 + hh * d6
    r = _core(t + hh, s0, s1, s2, s3, s4, s5, s6, i, *a)
    k2v0, k2v1, k2v2, k2a0, k2a1, k2a2, k2m = s3, s4, s5, r[0], r[1], r[2], r[3]
    s0, s1, s2 = y0 + hh * k2v0, y1 + hh * k2v1, y2 + hh * k2v2
    s3, s4, s5, s6 = y3 + hh * k2a0, y4 + hh * k2a1, y5 + hh * k2a2, y6 + hh * k2m
    r = _core(t + hh, s0, s1, s2, s3, s4, s5, s6, i, *a)
    k3v0, k3v1, k3v2, k3a0, k3a1, k3a2, k3m = s3, s4, s5, r[0], r[1], r[2], r[3]
    s0, s1, s2 = y0 + h * k3v0, y1 + h * k3v1, y2 + h * k3v2
    s3, s4, s5, s6 = y3 + h * k3a0, y4 + h * k3a1, y5 + h * k3a2, y6 + h * k3m
    r = _core(t + h, s0, s1, s2, s3, s4, s5, s6, i, *a)
    h6 = h / 6.0
    return (y0 + h6 * (y3 + 2.0 * k2v0 + 2.0 * k3v0 + s3),
            y1 + h6 * (y4 + 2.0 * k2v1 + 2.0 * k3v1 + s4),
            y2 + h6 * (y5 + 2.0 * k2v2 + 2.0 * k3v2 + s5),
            y3 + h6 * (d3 + 2.0 * k2a0 + 2.0 * k3a0 + r[0]),
            y4 + h6 * (d4 + 2.0 * k2a1 + 2.0 * k3a1 + r[1]),
            y5 + h6 * (d5 + 2.0 * k2a2 + 2.0 * k3a2 + r[2]),
            y6 + h6 * (d6 + 2.0 * k2m + 2.0 * k3m + r[3]))


@njit(**_LEAF)
def _rk4_1(t, h, y0, i, cf, ci, p, flat, top_h, bottom_h, cd_tab, cl_tab, chute_tab, pert, wpert, out, ob, sc):
    """One RK4 step of body ``i`` from ``y0`` (7,) over ``h`` into ``out`` (7,); observables at the end in ob.

    ``sc`` (7,) is scratch space (no allocation per body).
    """
    a = (cf, ci, p, flat, top_h, bottom_h, cd_tab, cl_tab, chute_tab, pert, wpert)
    r = _core(t, y0[0], y0[1], y0[2], y0[3], y0[4], y0[5], y0[6], i, *a)
    n = _rk4_s(t, h, y0[0], y0[1], y0[2], y0[3], y0[4], y0[5], y0[6], r[0], r[1], r[2], r[3], i, *a)
    for j in range(7):
        out[j] = n[j]
    r = _core(t + h, n[0], n[1], n[2], n[3], n[4], n[5], n[6], i, *a)
    _put(n[3], n[4], n[5], r, p, sc, ob)


@njit(**_LEAF)
def _nav1(i, x, yy, z, vx, vy, vz, cf):
    """The navigated state of body ``i``: :func:`marsedl.laws.navigated` with its case's error."""
    return navigated(x, yy, z, vx, vy, vz, cf[i, CF_NAV_DR], cf[i, CF_NAV_DR + 1], cf[i, CF_NAV_DR + 2],
                     cf[i, CF_NAV_DV], cf[i, CF_NAV_DV + 1], cf[i, CF_NAV_DV + 2])


@njit(**_LEAF)
def _nav_descent1(i, x, yy, z, cf, p):
    """The position the powered descent of body ``i`` flies without terrain-relative navigation:
    :func:`marsedl.laws.radar_navigated_position` with its case's error."""
    return radar_navigated_position(x, yy, z, cf[i, CF_NAV_DR], cf[i, CF_NAV_DR + 1], p[P_RE], p[P_RP])


@njit(**_LEAF)
def _events1(t, y, i, ob, cf, ci, p, armed, g):
    """Event functions of body ``i`` (N_EV,) into ``g``: +inf where not armed; <= 0 once the event holds."""
    ph = ci[i, CI_PHASE]
    inf = np.inf
    for k in range(N_EV):
        g[k] = inf
    if armed[ph, E_IMPACT]:
        g[E_IMPACT] = ob[O_ALT_AGL]
    if armed[ph, E_SKIP_OUT]:
        g[E_SKIP_OUT] = p[P_SKIP_ALT] - ob[O_ALT_MOLA]
    if armed[ph, E_STOP_SPEED] and cf[i, CF_STOP_SPEED] > 0.0:
        g[E_STOP_SPEED] = ob[O_SPEED] - cf[i, CF_STOP_SPEED]
    if armed[ph, E_SUFR] and p[P_SUFR_SPEED] > 0.0:
        g[E_SUFR] = ob[O_SPEED] - p[P_SUFR_SPEED]
    if armed[ph, E_DEPLOY] and cf[i, CF_DEPLOY_ENABLED] != 0.0:
        mach = ob[O_MACH]
        if p[P_TRIGGER_RANGE] != 0.0:
            # range to the target: great circle on the target's radius
            tx, ty, tz = cf[i, CF_TARGET_UNIT], cf[i, CF_TARGET_UNIT + 1], cf[i, CF_TARGET_UNIT + 2]
            ux, uy, uz = ob[O_UP], ob[O_UP + 1], ob[O_UP + 2]
            if cf[i, CF_NAV_ON] != 0.0:  # the trigger sees the navigated position
                nx_, ny_, nz_, _, _, _ = _nav1(i, y[0], y[1], y[2], y[3], y[4], y[5], cf)
                rn = math.sqrt(nx_ * nx_ + ny_ * ny_ + nz_ * nz_)
                ux, uy, uz = nx_ / rn, ny_ / rn, nz_ / rn
            cosang = ux * tx + uy * ty + uz * tz
            cx, cy, cz = uy * tz - uz * ty, uz * tx - ux * tz, ux * ty - uy * tx
            sinang = math.sqrt(cx * cx + cy * cy + cz * cz)
            rng = p[P_TARGET_RADIUS] * math.atan2(sinang, cosang)
            g[E_DEPLOY] = range_trigger_g(rng, cf[i, CF_RANGE_TRIGGER], mach, ob[O_Q], p[P_MACH_LO], p[P_MACH_HI],
                                          p[P_Q_LO], p[P_Q_HI])
        else:
            speed = ob[O_SPEED]
            if cf[i, CF_NAV_ON] != 0.0:  # the trigger sees the navigated speed
                _, _, _, wx, wy, wz = _nav1(i, y[0], y[1], y[2], y[3], y[4], y[5], cf)
                speed = math.sqrt(wx * wx + wy * wy + wz * wz)
            g[E_DEPLOY] = velocity_trigger_g(speed, cf[i, CF_VELOCITY_TRIGGER], mach, p[P_MACH_LO], p[P_MACH_HI])
        if p[P_DEPLOY_FLOOR] > 0.0:  # the altitude floor (navigated altitude above the ground), below the Mach box
            g[E_DEPLOY] = min(g[E_DEPLOY], altitude_floor_g(ob[O_ALT_AGL] + cf[i, CF_NAV_DR + 2], p[P_DEPLOY_FLOOR],
                                                            mach, p[P_MACH_HI]))
    if armed[ph, E_HS_SEP]:
        g[E_HS_SEP] = heat_shield_separation_g(ob[O_MACH], t, cf[i, CF_T_DEPLOY], p[P_HS_MAX_MACH],
                                               cf[i, CF_HS_MIN_TIME])
    if armed[ph, E_BACKSHELL_SEP]:
        g[E_BACKSHELL_SEP] = ob[O_ALT_AGL] - cf[i, CF_BACKSHELL_ALT]
    if armed[ph, E_POWERED_START]:
        g[E_POWERED_START] = cf[i, CF_T_MARK] + cf[i, CF_POWERED_DELAY] - t
    if armed[ph, E_SKY_CRANE_START]:
        g[E_SKY_CRANE_START] = ob[O_ALT_AGL] - p[P_SKY_CRANE_ALT]
    if armed[ph, E_TOUCHDOWN]:
        g[E_TOUCHDOWN] = ob[O_ALT_AGL] - p[P_BRIDLE]
    if armed[ph, E_FLYAWAY]:
        g[E_FLYAWAY] = cf[i, CF_T_MARK] + p[P_TOUCHDOWN_DETECT] - t
    if armed[ph, E_FLYAWAY_BURN_END]:
        g[E_FLYAWAY_BURN_END] = cf[i, CF_T_MARK] + p[P_FLYAWAY_BURN] - t
    if armed[ph, E_PROPELLANT]:
        g[E_PROPELLANT] = y[6] - cf[i, CF_DRY_MASS]
    if armed[ph, E_TIMEOUT]:
        g[E_TIMEOUT] = p[P_MAX_TIME] - t


# ------------------------------------------------------------------------------------------ batched entries


@njit(**_JIT)
def observe(t, y, cf, ci, p, flat, top_h, bottom_h, cd_tab, cl_tab, chute_tab, pert, wpert):
    """Derivatives (n, 7) and observables (n, NOBS) of every body's state (no integration)."""
    n = y.shape[0]
    dy = np.empty((n, 7))
    obs = np.empty((n, NOBS))
    for i in range(n):
        _deriv1(t[i], y[i], i, cf, ci, p, flat, top_h, bottom_h, cd_tab, cl_tab, chute_tab, pert, wpert, dy[i], obs[i])
    return dy, obs


@njit(**_JIT)
def event_values(t, y, obs, cf, ci, p, armed):
    """Event functions (n, N_EV) of every body at states ``y`` with observables ``obs``."""
    n = y.shape[0]
    g = np.empty((n, N_EV))
    for i in range(n):
        _events1(t[i], y[i], i, obs[i], cf, ci, p, armed, g[i])
    return g


@njit(**_JIT)
def rk4(t, y, h, cf, ci, p, flat, top_h, bottom_h, cd_tab, cl_tab, chute_tab, pert, wpert):
    """One RK4 step of every body over its own ``h``: new states (n, 7) and their observables (n, NOBS)."""
    n = y.shape[0]
    out = np.empty((n, 7))
    obs = np.empty((n, NOBS))
    sc = np.empty(7)
    for i in range(n):
        _rk4_1(t[i], h[i], y[i], i, cf, ci, p, flat, top_h, bottom_h, cd_tab, cl_tab, chute_tab, pert, wpert, out[i],
               obs[i], sc)
    return out, obs


# ------------------------------------------------------------------------------------ many steps per call

# phases (as marsedl.engine.Phase; the engine checks the two agree at import)
PH_ENTRY, PH_SUFR, PH_CHUTE, PH_CHUTE_NO_HS, PH_FREEFALL, PH_FLYAWAY, PH_BALLISTIC = (
    int(Phase.ENTRY), int(Phase.SUFR), int(Phase.CHUTE), int(Phase.CHUTE_NO_HS), int(Phase.FREEFALL),
    int(Phase.FLYAWAY), int(Phase.BALLISTIC))
# step sizes (steps array, s; the last entry is the coast altitude, m), as marsedl.engine.Steps
S_ENTRY, S_PARACHUTE, S_INFLATION, S_POWERED, S_BALLISTIC, S_COAST, S_COAST_ALT = range(7)
# per-body peak records (pk columns)
PK_G, PK_G_T, PK_Q, PK_CHUTE_LOAD, PK_HEAT = range(5)


@njit(**_LEAF)
def _step_size1(t, ph, alt_mola, tls, p, steps):
    """Step of a body in phase ``ph`` at time ``t``: the phase's step (:class:`marsedl.engine.Steps`)."""
    dt = steps[S_BALLISTIC]
    if ph == PH_ENTRY or ph == PH_SUFR:
        dt = steps[S_ENTRY]
    if ph == PH_CHUTE or ph == PH_CHUTE_NO_HS:
        dt = steps[S_PARACHUTE]
        if t < tls + 3.0 * p[P_T_INFLATION]:
            dt = steps[S_INFLATION]
    if ph >= PH_FREEFALL and ph <= PH_FLYAWAY:
        dt = steps[S_POWERED]
    if alt_mola > steps[S_COAST_ALT] and (ph == PH_BALLISTIC or ph == PH_ENTRY):
        dt = steps[S_COAST]
    if ph == PH_CHUTE and t < tls and t + dt > tls:
        dt = max(tls - t, 1e-6)
    return dt


@njit(**_LEAF)
def _steps1(i, t, y, obs0, max_steps, track, cf, ci, p, flat, top_h, bottom_h, cd_tab, cl_tab, chute_tab, pert, wpert,
            armed, steps, gpar, ref, t_s, h, y_s, obs_s, g0, y1, obs1, g1, has, pk, sc, ga, gb, oa):
    """Up to ``max_steps[i]`` RK4 steps of body ``i``, stopping after the first step in which an event holds
    or is crossed. Out: the last step's start (t_s, y_s, obs_s, g0), length h and end (y1, obs1, g1), and
    whether it holds an event (has). Quiet steps update the body's peak records ``pk`` when ``track[i]``.

    The end of a quiet step is the start of the next: its derivative, observables and event functions are
    reused, not evaluated again. A body's steps depend on nothing but its own values, so a case flies the
    same alone or in any batch.
    """
    a = (cf, ci, p, flat, top_h, bottom_h, cd_tab, cl_tab, chute_tab, pert, wpert)
    ph = ci[i, CI_PHASE]
    tls = cf[i, CF_T_LINE_STRETCH]
    tt = t[i]
    y0, y1_, y2, y3, y4, y5, y6 = y[i, 0], y[i, 1], y[i, 2], y[i, 3], y[i, 4], y[i, 5], y[i, 6]
    r = _core(tt, y0, y1_, y2, y3, y4, y5, y6, i, *a)
    d3, d4, d5, d6 = r[0], r[1], r[2], r[3]
    for j in range(NOBS):
        oa[j] = obs0[i, j]
    _events1(tt, y[i], i, oa, cf, ci, p, armed, ga)
    event = False
    for j in range(N_EV):
        if ga[j] <= 0.0:
            event = True
    n_max = max_steps[i]
    yo = y1[i]
    oo = obs1[i]
    powered = ph >= PH_POWERED and ph <= PH_FLYAWAY
    entry = cf[i, CF_ENTRY_GUIDED] != 0.0
    for s in range(n_max):
        if entry:  # bank for the step from the guidance at its start, when a guidance cycle is due
            bank_held = cf[i, CF_BANK]  # (the held controls are its cos and sin: see _bank_controls)
            # (a cycle that stopped the kernel to log an event is not run again when it resumes at that state:
            # the schedule has already moved past it)
            if tt >= cf[i, CF_T_GUIDE] - _T_EPS:
                cf[i, CF_BANK_BEFORE] = cf[i, CF_BANK]
                log = _guide1(i, ph, y0, y1_, y2, y3, y4, y5, oa, cf, p, gpar, ref)
                cf[i, CF_T_GUIDE] = _next_cycle(cf[i, CF_T_GUIDE], tt, gpar[G_DT])
                if log != 0:  # stop here (no step): the engine logs these events at this state
                    cf[i, CF_GUIDANCE_LOG] = log
                    t_s[i] = tt
                    h[i] = 0.0
                    y_s[i, 0], y_s[i, 1], y_s[i, 2], y_s[i, 3] = y0, y1_, y2, y3
                    y_s[i, 4], y_s[i, 5], y_s[i, 6] = y4, y5, y6
                    for j in range(7):
                        yo[j] = y_s[i, j]
                    for j in range(NOBS):
                        obs_s[i, j] = oa[j]
                        oo[j] = oa[j]
                    for j in range(N_EV):
                        g0[i, j] = ga[j]
                        g1[i, j] = ga[j]
                    has[i] = False
                    return
            if cf[i, CF_BANK] != bank_held:  # a new bank: new lift direction, new derivative at the start
                _bank_controls(i, cf)
                r = _core(tt, y0, y1_, y2, y3, y4, y5, y6, i, *a)
                d3, d4, d5, d6 = r[0], r[1], r[2], r[3]
        if powered:  # guidance sets the thrust for the step from its start: the derivative there changes
            _thrust1(i, ph, y0, y1_, y2, y3, y4, y5, y6, oa, cf, p)
            r = _core(tt, y0, y1_, y2, y3, y4, y5, y6, i, *a)
            d3, d4, d5, d6 = r[0], r[1], r[2], r[3]
        dt = _step_size1(tt, ph, oa[O_ALT_MOLA], tls, p, steps)
        n = _rk4_s(tt, dt, y0, y1_, y2, y3, y4, y5, y6, d3, d4, d5, d6, i, *a)
        for j in range(7):
            yo[j] = n[j]
        r = _core(tt + dt, n[0], n[1], n[2], n[3], n[4], n[5], n[6], i, *a)
        _put(n[3], n[4], n[5], r, p, sc, oo)
        _events1(tt + dt, yo, i, oo, cf, ci, p, armed, gb)
        for j in range(N_EV):
            if ga[j] > 0.0 and gb[j] <= 0.0:
                event = True
        if event or s == n_max - 1:
            t_s[i] = tt
            h[i] = dt
            y_s[i, 0], y_s[i, 1], y_s[i, 2], y_s[i, 3] = y0, y1_, y2, y3
            y_s[i, 4], y_s[i, 5], y_s[i, 6] = y4, y5, y6
            for j in range(NOBS):
                obs_s[i, j] = oa[j]
            for j in range(N_EV):
                g0[i, j] = ga[j]
                g1[i, j] = gb[j]
            has[i] = event
            if not event and track[i]:
                _track1(tt + dt, ph, oo, n[6], p, gpar, pk[i])
            return
        tt = tt + dt
        y0, y1_, y2, y3, y4, y5, y6 = n
        d3, d4, d5, d6 = r[0], r[1], r[2], r[3]
        for j in range(NOBS):
            oa[j] = oo[j]
        for j in range(N_EV):
            ga[j] = gb[j]
        if track[i]:
            _track1(tt, ph, oa, y6, p, gpar, pk[i])


PH_POWERED, PH_SKY_CRANE, PH_HOVER = int(Phase.POWERED), int(Phase.SKY_CRANE), int(Phase.HOVER)
_SKY_CRANE_GAIN_PER_S = 2.0  # M: velocity-loop gain of the sky-crane hold, 1/s (time constant 0.5 s)
_TGO_MIN_S, _TGO_MAX_S = 1.0, 120.0  # M: bounds of the powered approach's time to go, s


@njit(**_LEAF)
def _thrust1(i, ph, x, yy, z, vx, vy, vz, m, ob, cf, p):
    """Thrust of a powered body at the start of a step into ``cf[i]``.

    E-guidance to the aim point (:mod:`marsedl.laws.powered`), the sky-crane velocity hold, the engines' range,
    and the fly-away burn; ``ob`` are the observables of the state (local up, gravity with the frame terms).
    """
    ux, uy, uz = ob[O_UP], ob[O_UP + 1], ob[O_UP + 2]
    gx, gy, gz = ob[O_GRAV], ob[O_GRAV + 1], ob[O_GRAV + 2]
    if cf[i, CF_NAV_ON] != 0.0 and ph != PH_FLYAWAY and p[P_TRN] == 0.0:  # guidance flies the navigated state
        x, yy, z = _nav_descent1(i, x, yy, z, cf, p)
        rn = math.sqrt(x * x + yy * yy + z * z)
        ux, uy, uz = x / rn, yy / rn, z / rn
    if ph == PH_FLYAWAY:
        azx, azy, azz = cf[i, CF_FLYAWAY_DIR], cf[i, CF_FLYAWAY_DIR + 1], cf[i, CF_FLYAWAY_DIR + 2]
        d = azx * ux + azy * uy + azz * uz
        hx, hy, hz = azx - ux * d, azy - uy * d, azz - uz * d
        hn = max(math.sqrt(hx * hx + hy * hy + hz * hz), 1e-12)
        hx, hy, hz = hx / hn, hy / hn, hz / hn
        c, sn, f = p[P_FLYAWAY_COS], p[P_FLYAWAY_SIN], p[P_FLYAWAY_THRUST]
        tx, ty, tz = (c * ux + sn * hx) * f, (c * uy + sn * hy) * f, (c * uz + sn * hz) * f
    else:
        un = math.sqrt(ux * ux + uy * uy + uz * uz)
        nx, ny, nz = ux / un, uy / un, uz / un
        rate = p[P_SKY_CRANE_SPEED]
        tgo = 0.0
        if ph == PH_POWERED:
            fx, fy, fz = cf[i, CF_PD_TARGET], cf[i, CF_PD_TARGET + 1], cf[i, CF_PD_TARGET + 2]
            vfx, vfy, vfz = -rate * ux, -rate * uy, -rate * uz
            dz = (fx - x) * nx + (fy - yy) * ny + (fz - z) * nz
            vz_sum = (vx + vfx) * nx + (vy + vfy) * ny + (vz + vfz) * nz
            tgo = vertical_time_to_go(dz, vz_sum, _TGO_MIN_S, _TGO_MAX_S)
        # E-guidance with its time to go at the floor has a fixed point hovering v_f T / 3 (0.25 m) above its aim
        # point, so an altitude bias beyond that would hover there until the propellant ran out: an approach at
        # the floor that no longer sinks at the sky-crane rate holds that rate instead (a nominal one still sinks
        # faster there and is unchanged)
        stalled = tgo <= _TGO_MIN_S and -(vx * nx + vy * ny + vz * nz) < rate
        if ph == PH_POWERED and not stalled:
            ax = eguidance_acceleration(x, vx, fx, vfx, tgo, gx)
            ay = eguidance_acceleration(yy, vy, fy, vfy, tgo, gy)
            az = eguidance_acceleration(z, vz, fz, vfz, tgo, gz)
        else:  # sky crane, hover, a stalled approach: hold the descent rate
            k = _SKY_CRANE_GAIN_PER_S
            ax = velocity_hold_acceleration(vx, -rate * nx, gx, k)
            ay = velocity_hold_acceleration(vy, -rate * ny, gy, k)
            az = velocity_hold_acceleration(vz, -rate * nz, gz, k)
        tx, ty, tz = ax * m, ay * m, az * m
        mag = math.sqrt(tx * tx + ty * ty + tz * tz)
        scale = min(max(mag, p[P_THRUST_MIN]), p[P_THRUST_MAX]) / max(mag, 1e-9)
        tx, ty, tz = tx * scale, ty * scale, tz * scale
    cf[i, CF_THRUST_X], cf[i, CF_THRUST_X + 1], cf[i, CF_THRUST_X + 2] = tx, ty, tz
    cf[i, CF_THRUST_MAG] = math.sqrt(tx * tx + ty * ty + tz * tz)


@njit(**_LEAF)
def _bracket(x, ref):
    """``(lo, x)`` for :func:`_lerp` on the reference's speed grid (row R_SPEED): ``lo`` the left node of the
    interval holding ``x``, ``x`` clamped to the grid (``np.interp`` holds the end values beyond it)."""
    xp = ref[R_SPEED]
    k = xp.shape[0]
    if x <= xp[0]:
        return 0, xp[0]
    if x >= xp[k - 1]:
        return k - 2, xp[k - 1]
    lo, hi = 0, k - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if xp[mid] <= x:
            lo = mid
        else:
            hi = mid
    return lo, x


@njit(**_LEAF)
def _lerp(lo, x, ref, row):
    """``np.interp(x, ref[R_SPEED], ref[row])`` given ``(lo, x)`` from :func:`_bracket` (one search serves every
    row of the table)."""
    xp = ref[R_SPEED]
    if x == xp[lo + 1]:  # the right end of the grid (or a node): its value exactly, as np.interp
        return ref[row, lo + 1]
    slope = (ref[row, lo + 1] - ref[row, lo]) / (xp[lo + 1] - xp[lo])
    return slope * (x - xp[lo]) + ref[row, lo]


@njit(**_LEAF)
def _next_cycle(t_due, t_now, period):
    """Time of the guidance cycle after the one run at ``t_now`` (due at ``t_due``): on the fixed schedule, or a
    period after ``t_now`` when the schedule fell behind."""
    nxt = t_due + period
    return nxt if nxt > t_now + _T_EPS else t_now + period


@njit(**_LEAF)
def _guide1(i, ph, x, yy, z, vx, vy, vz, ob, cf, p, gpar, ref):
    """Entry guidance of an entry vehicle at the start of a step (:mod:`marsedl.laws.entry_guidance`): guidance
    start on sensed drag, Apollo range control on the reference, lateral corridor with bank reversals, heading
    alignment, then the rate- and acceleration-limited bank.
    Writes the case's guidance values in ``cf[i]``; returns the LOG_* bits of what the engine must log here.
    """
    if cf[i, CF_GUIDED] == 0.0 and cf[i, CF_BANK_RATE] == 0.0:
        # an unguided vehicle holding its commanded bank: the rate-limited update below would leave it as it is
        if cf[i, CF_BANK] == (0.0 if ph == PH_SUFR else cf[i, CF_BANK0]):
            return 0
    ux, uy, uz = ob[O_UP], ob[O_UP + 1], ob[O_UP + 2]
    speed = ob[O_SPEED]
    if cf[i, CF_NAV_ON] != 0.0:  # guidance sees the navigated state (the sensed drag stays true)
        x, yy, z, vx, vy, vz = _nav1(i, x, yy, z, vx, vy, vz, cf)
        rn = math.sqrt(x * x + yy * yy + z * z)
        ux, uy, uz = x / rn, yy / rn, z / rn
        speed = math.sqrt(vx * vx + vy * vy + vz * vz)
    hdot = vx * ux + vy * uy + vz * uz
    drag = ob[O_DRAG]
    guided = cf[i, CF_GUIDED] != 0.0
    log = 0
    if guided and cf[i, CF_GUIDANCE_ON] == 0.0 and drag >= gpar[G_START_DRAG]:
        cf[i, CF_GUIDANCE_ON] = 1.0
        log |= LOG_GUIDANCE_START
    on = cf[i, CF_GUIDANCE_ON] != 0.0 and ph == PH_ENTRY
    cmd = cf[i, CF_BANK] if guided else cf[i, CF_BANK0]
    if guided and cf[i, CF_GUIDANCE_ON] == 0.0:
        cmd = cf[i, CF_BANK0]
    if on:
        tx, ty, tz = cf[i, CF_TARGET_UNIT], cf[i, CF_TARGET_UNIT + 1], cf[i, CF_TARGET_UNIT + 2]
        cosang = ux * tx + uy * ty + uz * tz
        cx, cy, cz = uy * tz - uz * ty, uz * tx - ux * tz, ux * ty - uy * tx
        radius = p[P_TARGET_RADIUS]
        rtg = radius * math.atan2(math.sqrt(cx * cx + cy * cy + cz * cz), cosang) - cf[i, CF_AIM_RANGE]
        # crossrange: angle of the target out of the plane (position, velocity); positive = to the right
        hx, hy, hz = uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx
        hn = math.sqrt(hx * hx + hy * hy + hz * hz)
        hx, hy, hz = hx / hn, hy / hn, hz / hn
        crossrange = -math.asin(min(max(hx * tx + hy * ty + hz * tz, -1.0), 1.0)) * radius
        heading_mode = speed <= gpar[G_HA_SPEED]
        if heading_mode and cf[i, CF_HEADING_ALIGNED] == 0.0:
            cf[i, CF_HEADING_ALIGNED] = 1.0
            log |= LOG_HEADING_ALIGNMENT
        # range control (Apollo), lateral logic, heading alignment: marsedl.laws.entry_guidance
        lo, xs = _bracket(speed, ref)
        lodvc = apollo_vertical_lod(rtg, drag, hdot, _lerp(lo, xs, ref, R_RANGE), _lerp(lo, xs, ref, R_DRAG),
                                    _lerp(lo, xs, ref, R_HDOT), _lerp(lo, xs, ref, R_F1), _lerp(lo, xs, ref, R_F2),
                                    _lerp(lo, xs, ref, R_F3), _lerp(lo, xs, ref, R_LOD), gpar[G_K3], gpar[G_F3_FLOOR])
        mag = bank_magnitude(lodvc, gpar[G_LOD], gpar[G_MIN_BANK], gpar[G_MAX_BANK])
        width = corridor_width(speed, gpar[G_C0], gpar[G_C1], gpar[G_C2])
        new_sign = lateral_sign(crossrange, width, cf[i, CF_BANK_SIGN])
        if new_sign != cf[i, CF_BANK_SIGN] and not heading_mode:
            log |= LOG_BANK_REVERSAL
        if not heading_mode:
            cf[i, CF_BANK_SIGN] = new_sign
        if heading_mode:  # steer the heading onto the target with a limited bank
            en = max(math.sqrt(uy * uy + ux * ux), 1e-12)
            ex, ey = -uy / en, ux / en
            nx, ny, nz = -uz * ey, uz * ex, ux * ey - uy * ex
            heading = math.atan2(vx * ex + vy * ey, vx * nx + vy * ny + vz * nz)
            d = tx * ux + ty * uy + tz * uz
            ttx, tty, ttz = tx - ux * d, ty - uy * d, tz - uz * d
            bearing = math.atan2(ttx * ex + tty * ey, ttx * nx + tty * ny + ttz * nz)
            cmd = heading_alignment_bank(bearing - heading, gpar[G_HA_GAIN], gpar[G_HA_LIMIT])
        else:
            cmd = cf[i, CF_BANK_SIGN] * mag
    if ph == PH_SUFR:
        cmd = 0.0
    cf[i, CF_BANK], cf[i, CF_BANK_RATE] = rate_limited_bank(cf[i, CF_BANK], cf[i, CF_BANK_RATE], cmd, gpar[G_DT],
                                                            gpar[G_RATE_MAX], gpar[G_ACC_MAX])
    return log


@njit(**_LEAF)
def _bank_controls(i, cf):
    """cos and sin of the case's bank into the held controls (sin 0 for lift in the vertical plane only)."""
    b = cf[i, CF_BANK]
    cf[i, CF_COS_BANK] = math.cos(b)
    cf[i, CF_SIN_BANK] = 0.0 if cf[i, CF_PLANAR] != 0.0 else math.sin(b)


@njit(**_LEAF)
def _track1(t, ph, ob, m, p, gpar, pk):
    """Peak deceleration (and its time), dynamic pressure, heat rate and parachute load of a vehicle body after
    a quiet step."""
    entry_like = ph >= PH_ENTRY and ph <= PH_CHUTE_NO_HS
    g = ob[O_AERO_G] if entry_like else 0.0
    if g > pk[PK_G]:
        pk[PK_G] = g
        pk[PK_G_T] = t
    q = ob[O_Q] if entry_like else 0.0
    pk[PK_Q] = max(pk[PK_Q], q)
    if ph == PH_ENTRY or ph == PH_SUFR:
        pk[PK_HEAT] = max(pk[PK_HEAT], sutton_graves(ob[O_RHO], ob[O_SPEED], gpar[G_NOSE_RADIUS], gpar[G_HEAT_K]))
    if ph == PH_CHUTE or ph == PH_CHUTE_NO_HS:
        pk[PK_CHUTE_LOAD] = max(pk[PK_CHUTE_LOAD], ob[O_CANOPY])


def advance_outputs(n: int) -> tuple:
    """Empty outputs of :func:`advance_steps` for ``n`` bodies: ``(t_s, h, y_s, obs_s, g0, y1, obs1, g1, has)``."""
    return (np.empty(n), np.empty(n), np.empty((n, 7)), np.empty((n, NOBS)), np.empty((n, N_EV)), np.empty((n, 7)),
            np.empty((n, NOBS)), np.empty((n, N_EV)), np.zeros(n, dtype=np.bool_))


@njit(**_JIT)
def advance_steps(lo, hi, t, y, obs0, max_steps, track, cf, ci, p, flat, top_h, bottom_h, cd_tab, cl_tab,
                  chute_tab, pert, wpert, armed, steps, pk, gpar, ref, t_s, h, y_s, obs_s, g0, y1, obs1, g1, has):
    """Bodies ``lo <= i < hi`` take up to ``max_steps`` RK4 steps (their own step sizes), each stopping at its
    first event step.

    Out (rows ``lo:hi`` of the arrays of :func:`advance_outputs`): the last step's start ``t_s``, length ``h``,
    start state ``y_s`` and observables ``obs_s``, end state ``y1`` and observables ``obs1``, the event functions
    at both ends (``g0``, ``g1``) and whether an event holds or is crossed in it (``has``). ``pk`` and the
    guidance columns of ``cf`` are updated in place, row by row. Rows are independent and the kernel holds no
    GIL: disjoint row ranges may run on concurrent threads.
    """
    sc = np.empty(7)
    ga, gb = np.empty(N_EV), np.empty(N_EV)
    oa = np.empty(NOBS)
    for i in range(lo, hi):
        _steps1(i, t, y, obs0, max_steps, track, cf, ci, p, flat, top_h, bottom_h, cd_tab, cl_tab, chute_tab, pert,
                wpert, armed, steps, gpar, ref, t_s, h, y_s, obs_s, g0, y1, obs1, g1, has, pk, sc, ga, gb, oa)
