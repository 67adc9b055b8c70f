"""Forces, derivatives and steps (RK4, the midpoint rule, Dormand-Prince 5(4)) of one body (gravity, frame terms,
atmosphere, aerodynamics with bank, parachute inflation, thrust)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from marsedl.kernels.layout import (
    AT_BOTTOM_H,
    AT_LOG_RHO,
    AT_SOUND,
    AT_TOP_H,
    AT_WIND_E,
    AT_WIND_N,
    CF_CD_SCALE,
    CF_CHUTE_CD_SCALE,
    CF_CL_SCALE,
    CF_COS_BANK,
    CF_DENSITY_FACTOR,
    CF_HAS_CHUTE,
    CF_LIFTING,
    CF_SIN_BANK,
    CF_T_LINE_STRETCH,
    CF_THRUST_MAG,
    CF_THRUST_X,
    CF_WIND_SCALE,
    CI_AERO_ID,
    CI_ATM_ROW,
    CI_CASE,
    CI_PHASE,
    O_AERO_G,
    O_ALT_AGL,
    O_ALT_MOLA,
    O_CANOPY,
    O_DRAG,
    O_GRAV,
    O_MACH,
    O_Q,
    O_RAD,
    O_RHO,
    O_SLAT,
    O_SPEED,
    O_UP,
    P_CHUTE_ROW,
    P_CL_ROW0,
    P_G0,
    P_GM,
    P_GRID_DH,
    P_GRID_HMAX,
    P_GRID_HMIN,
    P_GROUND,
    P_HAS_PERT,
    P_HAS_WIND,
    P_HAS_WPERT,
    P_INFLATION_EXP,
    P_ISP_G0,
    P_J2,
    P_MACH_MAX,
    P_MACH_STEP,
    P_N_ALT,
    P_PERT_DH,
    P_PERT_HMIN,
    P_PERT_N,
    P_POWERED_MIDPOINT,
    P_RE,
    P_RP,
    P_T_INFLATION,
    P_UNDULATION,
    P_W,
    P_WPERT_DH,
    P_WPERT_HMIN,
    P_WPERT_N,
    PH_FLYAWAY,
    PH_POWERED,
    PT_DENSITY,
    PT_WIND_E,
    PT_WIND_N,
)
from marsedl.laws import ellipsoid_radius_along, frame_acceleration, gravity_j2, inflation_fraction
from marsedl.laws._jit import INNER as _INNER
from marsedl.laws._jit import JIT as _JIT
from marsedl.laws.tables import exponential_extension, grid_cell


@njit(**_INNER)
def _cell(h, h_min, dh, n):
    """Cell ``i`` and fraction ``t`` of altitude ``h`` on the grid ``h_min + dh k`` (k < n): clamped to the grid,
    so values beyond its ends are held (:func:`marsedl.laws.tables.grid_cell`)."""
    f, t = grid_cell(h, h_min, dh, n)
    return int(f), t


@njit(**_INNER)
def _mach_cell(mach, p):
    """Cell ``im`` and fraction ``fm`` of ``mach`` on the aerodynamic tables' uniform Mach grid (step
    ``p[P_MACH_STEP]``, held at its ends)."""
    u = min(max(mach, 0.0), p[P_MACH_MAX] - 1e-9) / p[P_MACH_STEP]
    im = int(u)
    return im, u - im


#: one explicit signature (the row is always an int64)
@njit("float64(float64[:, ::1], int64, int64, float64)", **_INNER)
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


@njit(**_INNER)
def _core(t, s, i, cf, ci, w):
    """Accelerations of body ``i`` at state ``s = (x, yy, z, vx, vy, vz, m)`` and what the observables need;
    ``w`` is the run's world, ``(p, flat, tab, pert)`` (see :meth:`marsedl.engine.compiled._KernelData.world`).

    Scalars in and out (no array views, so no reference counting per call): returns ``(ax, ay, az, mdot,
    alt_mola, alt_agl, mach, q, rho, aex, aey, aez, gx, gy, gz, ux, uy, uz, drag, rad, slat, canopy_force)`` where
    ``g*`` are gravity and the frame terms alone (everything but aerodynamics and thrust), ``ae*`` the
    aerodynamic acceleration. A step evaluates it inlined (:data:`_core_inline`); everywhere else it is called out
    of line, and every value it returns is copied out at each call (returning the lift's frame too, to turn a new
    bank without evaluating the forces again, cost more than the evaluation it saved).
    """
    x, yy, z, vx, vy, vz, m = s
    p, flat, tab, pert = w
    # geometry
    rxy2 = x * x + yy * yy
    rad = math.sqrt(rxy2 + z * z)
    rxy = math.sqrt(rxy2)
    inv_rad = 1.0 / rad  # (one division: the local vertical and sin(latitude) are multiples of the position)
    slat = z * inv_rad
    alt_mola = rad - ellipsoid_radius_along(rxy2, z * z, rad, p[P_RE], p[P_RP]) - p[P_UNDULATION]
    alt_agl = alt_mola - p[P_GROUND]
    # gravity (point mass + J2) and frame terms
    gx, gy, gz = gravity_j2(x, yy, z, rad, p[P_GM], p[P_J2], p[P_RE])
    fx, fy, fz = frame_acceleration(x, yy, z, vx, vy, vz, p[P_W])
    gx, gy, gz = gx + fx, gy + fy, gz + fz  # gravity and frame terms: the observables' "grav"
    # density factor (case factor x altitude-correlated perturbation)
    factor = cf[i, CF_DENSITY_FACTOR]
    if p[P_HAS_PERT] != 0.0:
        ip, tp = _cell(alt_mola, p[P_PERT_HMIN], p[P_PERT_DH], int(p[P_PERT_N]))
        c = ci[i, CI_CASE]
        lo = pert[c, PT_DENSITY, ip]
        factor = factor * (lo + tp * (pert[c, PT_DENSITY, ip + 1] - lo))
    # atmosphere grid (marsedl.atmosphere.AtmosphereGrid.evaluate does the same over arrays)
    row = ci[i, CI_ATM_ROW]
    n_alt = int(p[P_N_ALT])  # altitudes per row (an integer division per call cost as much as a sqrt)
    ig, tg = _cell(alt_mola, p[P_GRID_HMIN], p[P_GRID_DH], n_alt)
    kk = row * n_alt + ig
    ext = 0.0  # inside the grid (the usual case): no extension, skip the two divisions
    if alt_mola > p[P_GRID_HMAX] or alt_mola < p[P_GRID_HMIN]:
        ext = exponential_extension(alt_mola, p[P_GRID_HMIN], p[P_GRID_HMAX], flat[AT_BOTTOM_H, row],
                                    flat[AT_TOP_H, row])
    lo = flat[AT_LOG_RHO, kk]
    rho = math.exp(lo + tg * (flat[AT_LOG_RHO, kk + 1] - lo) + ext)
    rho = rho * factor
    lo = flat[AT_SOUND, kk]
    sound = lo + tg * (flat[AT_SOUND, kk + 1] - lo)
    ux, uy, uz = x * inv_rad, yy * inv_rad, slat
    vax, vay, vaz = vx, vy, vz
    if p[P_HAS_WIND] != 0.0 or p[P_HAS_WPERT] != 0.0:  # (no winds at all: skip the wind frame)
        lo = flat[AT_WIND_E, kk]
        wind_e = lo + tg * (flat[AT_WIND_E, kk + 1] - lo)
        lo = flat[AT_WIND_N, kk]
        wind_n = lo + tg * (flat[AT_WIND_N, kk + 1] - lo)
        # wind in the planet-fixed frame: east = (-y, x, 0)/rxy, north = up x east
        inv_rxy = 1.0 / max(rxy, 1e-9)
        ex, ey = -yy * inv_rxy, x * inv_rxy
        nx, ny, nz = -uz * ey, uz * ex, ux * ey - uy * ex
        ws = cf[i, CF_WIND_SCALE]
        we, wn = wind_e * ws, wind_n * ws
        if p[P_HAS_WPERT] != 0.0:  # the case's altitude-correlated wind offsets (as WindPerturbation.evaluate)
            iw, tw = _cell(alt_mola, p[P_WPERT_HMIN], p[P_WPERT_DH], int(p[P_WPERT_N]))
            cw = ci[i, CI_CASE]
            lo = pert[cw, PT_WIND_E, iw]
            we = we + (lo + tw * (pert[cw, PT_WIND_E, iw + 1] - lo))
            lo = pert[cw, PT_WIND_N, iw]
            wn = wn + (lo + tw * (pert[cw, PT_WIND_N, iw + 1] - lo))
        vax = vx - (we * ex + wn * nx)
        vay = vy - (we * ey + wn * ny)
        vaz = vz - wn * nz
    vair = math.sqrt(vax * vax + vay * vay + vaz * vaz)
    inv_v = 1.0 / max(vair, 1e-9)
    q = 0.5 * rho * vair * vair
    mach = vair / sound
    aid = ci[i, CI_AERO_ID]
    im, fm = _mach_cell(mach, p)  # one Mach interpolation point for every table
    cda = _mach_lerp(tab, aid, im, fm) * cf[i, CF_CD_SCALE]
    canopy = 0.0  # drag area of the parachute alone, m^2 (its force is the riser load)
    if cf[i, CF_HAS_CHUTE] != 0.0:
        dt_ls = t - cf[i, CF_T_LINE_STRETCH]
        frac = 1.0  # once inflated (no pow)
        if dt_ls < p[P_T_INFLATION]:
            frac = inflation_fraction(dt_ls, p[P_T_INFLATION], p[P_INFLATION_EXP])
        canopy = _mach_lerp(tab, int(p[P_CHUTE_ROW]), im, fm) * cf[i, CF_CHUTE_CD_SCALE] * frac
        cda = cda + canopy
    drag = q * cda / m
    aex = -drag * vax * inv_v
    aey = -drag * vay * inv_v
    aez = -drag * vaz * inv_v
    lifting = cf[i, CF_LIFTING]
    if lifting != 0.0:
        lift = q * _mach_lerp(tab, int(p[P_CL_ROW0]) + aid, im, fm) * cf[i, CF_CL_SCALE] / m * lifting
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
    ax, ay, az, mdot = _derivative(gx, gy, gz, aex, aey, aez, m, i, cf, p)
    return (ax, ay, az, mdot, alt_mola, alt_agl, mach, q, rho, aex, aey, aez, gx,
            gy, gz, ux, uy, uz, drag, rad, slat, q * canopy)


@njit(inline="always", **_INNER)
def _deriv1(t, y, i, cf, ci, w, dy, ob):
    """dy/dt of body ``i`` at state ``y`` (7,) into ``dy``; its observables into ``ob`` (NOBS,)."""
    r = _core(t, (y[0], y[1], y[2], y[3], y[4], y[5], y[6]), i, cf, ci, w)
    _put(y[3], y[4], y[5], r, w[0], dy, ob)


@njit(**_INNER)
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


#: :func:`_core` inlined where it is called: in a step (:func:`_step_s`), which evaluates it at one place for all of
#: its stages. The same law (the same Python function) compiled into its caller: an out-of-line call passes each of
#: its arrays' fields one by one, about 60 values, at every evaluation, which cost a third of the evaluation
_core_inline = njit(inline="always", **_INNER)(_core.py_func)


@njit(**_INNER)
def _step_s(t, h, s, d, i, cf, ci, w):
    """One step of body ``i`` from ``s = (y0..y6)`` whose derivative (accelerations and mass rate)
    ``d = (d3, d4, d5, d6)`` is known: returns the new state (7 scalars) and the :func:`_core` result there (the
    forces at the step's end, which the next step starts from).

    RK4, or, when the run asks for it (``integration.powered_method``), the midpoint rule (second-order Runge-Kutta)
    for a body whose thrust is commanded once per step and held (powered descent to fly-away: one force evaluation
    inside the step instead of three). Under held thrust a step's forces barely change (low speed, thin air, a step
    of one guidance cycle), so the midpoint rule's error stays far below the tolerances of the nominal timelines
    (tests/test_engine_steps.py flies it against RK4).

    The stages are one loop, so that the forces are evaluated at one place, inlined (:data:`_core_inline`): RK4's
    stages at ``t + h/2``, ``t + h/2``, ``t + h``, the midpoint rule's at ``t + h/2``, then the step's end."""
    ph = ci[i, CI_PHASE]
    mid = ph >= PH_POWERED and ph <= PH_FLYAWAY and w[0][P_POWERED_MIDPOINT] != 0.0
    y0, y1, y2, y3, y4, y5, y6 = s
    hh = 0.5 * h
    h6 = h / 6.0
    n_stages = 1 if mid else 3
    # the last stage's derivative (k: velocity and acceleration, mass rate), and RK4's weighted sums of the stages'
    # derivatives (each summed in the order of y + h/6 (k1 + 2 k2 + 2 k3 + k4))
    kv0, kv1, kv2, ka0, ka1, ka2, km = y3, y4, y5, d[0], d[1], d[2], d[3]
    sv0, sv1, sv2, sa0, sa1, sa2, sm = y3, y4, y5, d[0], d[1], d[2], d[3]
    n = s
    tk = t
    for k in range(n_stages + 1):
        if k < n_stages:  # a stage: from the start along the last stage's derivative
            c = h if k == 2 else hh
            n = (y0 + c * kv0, y1 + c * kv1, y2 + c * kv2, y3 + c * ka0, y4 + c * ka1, y5 + c * ka2, y6 + c * km)
            tk = t + c
        elif mid:  # the step's end: the midpoint rule's
            n = (y0 + h * kv0, y1 + h * kv1, y2 + h * kv2, y3 + h * ka0, y4 + h * ka1, y5 + h * ka2, y6 + h * km)
            tk = t + h
        else:  # RK4's
            n = (y0 + h6 * (sv0 + n[3]), y1 + h6 * (sv1 + n[4]), y2 + h6 * (sv2 + n[5]), y3 + h6 * (sa0 + ka0),
                 y4 + h6 * (sa1 + ka1), y5 + h6 * (sa2 + ka2), y6 + h6 * (sm + km))
            tk = t + h
        r = _core_inline(tk, n, i, cf, ci, w)
        if k < n_stages:
            kv0, kv1, kv2, ka0, ka1, ka2, km = n[3], n[4], n[5], r[0], r[1], r[2], r[3]
            if k < 2:  # RK4's second and third stages weigh 2
                sv0, sv1, sv2 = sv0 + 2.0 * kv0, sv1 + 2.0 * kv1, sv2 + 2.0 * kv2
                sa0, sa1, sa2, sm = sa0 + 2.0 * ka0, sa1 + 2.0 * ka1, sa2 + 2.0 * ka2, sm + 2.0 * km
    return n, r


# Dormand-Prince 5(4) (Dormand & Prince 1980, as SciPy's RK45 holds it; tests/test_engine_steps.py checks the
# tableau against it): stage nodes DP_C, stage weights DP_A (row k: stage k; row 6: the fifth-order weights, whose
# stage at the step's end weighs 0 and is the next step's first, "first same as last") and the weights DP_E of the
# error estimate (fifth- minus fourth-order solution, in units of the step)
DP_C = np.array([0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0])
DP_A = np.array([
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [1 / 5, 0.0, 0.0, 0.0, 0.0, 0.0],
    [3 / 40, 9 / 40, 0.0, 0.0, 0.0, 0.0],
    [44 / 45, -56 / 15, 32 / 9, 0.0, 0.0, 0.0],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729, 0.0, 0.0],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656, 0.0],
    [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
])
DP_E = np.array([71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40])


@njit(**_INNER)
def _dp5_s(t, h, s, d, i, cf, ci, w, ks):
    """One Dormand-Prince 5(4) step of body ``i`` from ``s`` with known derivative ``d``; ``ks`` (8, 7) is scratch
    for the stages and a stage's state. Returns the fifth-order state (7 scalars), the :func:`_core` result at it
    (the step's last stage, which the caller needs for the observables and the next step's start) and the error
    estimate: the larger of the position error (m) and the velocity error (m/s) of the step. The error-controlled
    steps of :mod:`marsedl.kernels.advance` take it where no guidance cycle sets the step."""
    ks[0, 0], ks[0, 1], ks[0, 2] = s[3], s[4], s[5]
    ks[0, 3], ks[0, 4], ks[0, 5], ks[0, 6] = d
    n = s
    for k in range(1, 7):
        for j in range(7):
            acc = 0.0
            for m in range(k):
                acc += DP_A[k, m] * ks[m, j]
            ks[7, j] = s[j] + h * acc
        n = (ks[7, 0], ks[7, 1], ks[7, 2], ks[7, 3], ks[7, 4], ks[7, 5], ks[7, 6])
        if k == 6:  # the step's end: its forces are evaluated below, once
            break
        r = _core(t + DP_C[k] * h, n, i, cf, ci, w)
        ks[k, 0], ks[k, 1], ks[k, 2] = n[3], n[4], n[5]
        ks[k, 3], ks[k, 4], ks[k, 5], ks[k, 6] = r[0], r[1], r[2], r[3]
    r = _core(t + h, n, i, cf, ci, w)
    ks[6, 0], ks[6, 1], ks[6, 2] = n[3], n[4], n[5]
    ks[6, 3], ks[6, 4], ks[6, 5], ks[6, 6] = r[0], r[1], r[2], r[3]
    err = 0.0
    for j in range(6):
        e = 0.0
        for m in range(7):
            e += DP_E[m] * ks[m, j]
        err = max(err, abs(h * e))
    return n, r, err


@njit(inline="always", **_INNER)
def _derivative(gx, gy, gz, aex, aey, aez, m, i, cf, p):
    """The derivative ``(ax, ay, az, mdot)`` of body ``i`` at mass ``m``: gravity and the frame terms, the
    aerodynamic acceleration, and the thrust now in ``cf[i]`` (its mass flow from the specific impulse). Called
    by :func:`_core`, and, with the forces of a :func:`_core` result, when a new thrust command is the only
    change (:mod:`marsedl.kernels.advance`), so that the forces need not be evaluated again."""
    ax, ay, az = gx + aex, gy + aey, gz + aez
    if cf[i, CF_THRUST_MAG] != 0.0:
        ax += cf[i, CF_THRUST_X] / m
        ay += cf[i, CF_THRUST_X + 1] / m
        az += cf[i, CF_THRUST_X + 2] / m
    return ax, ay, az, -cf[i, CF_THRUST_MAG] / p[P_ISP_G0]
