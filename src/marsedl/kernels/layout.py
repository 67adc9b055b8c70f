"""The kernels' data layout, declared once by name: the columns of the per-body arrays, the constants vector,
observables, history rows, entry-guidance constants, reference rows, step sizes and peak records.

Each array's layout is one :func:`_declare` call: a list of ``(name, width)`` fields in order. The index of every
field is generated from it as a module constant ``<PREFIX>_<NAME>`` (``CF_THRUST_X`` is column 10 of the
per-body floats; a field of width 3 occupies that column and the next two), and ``N<PREFIX>`` is the width of
the array. The compiled kernels read these module constants as compile-time integers, and the Python side
(:mod:`marsedl.engine`) packs and unpacks with the same names, so adding a column is one line here.
"""

from __future__ import annotations

from marsedl.phase import Phase
from marsedl.sequence import AERO_MODELS, CONTINUOUS, EVENTS, N_GENERIC, Ev, Op, Outcome


def _declare(prefix: str, *fields: str | tuple[str, int]) -> int:
    """Give each field (``"name"`` or ``("name", width)``) of one array its index, as the module constant
    ``<prefix>_<NAME>``, in order; returns the array's width (also set as ``N<prefix>``)."""
    k = 0
    for f in fields:
        name, width = (f, 1) if isinstance(f, str) else f
        globals()[f"{prefix}_{name.upper()}"] = k
        k += width
    globals()[f"N{prefix}"] = k
    return k


# --- per-body float columns (cf)
_declare(
    "CF",
    "cd_scale", "cl_scale", "chute_cd_scale", "density_factor", "wind_scale",
    "lifting", "cos_bank", "sin_bank", "has_chute", "t_line_stretch",
    ("thrust_x", 3), "thrust_mag",  # thrust vector (x, y, z) and its magnitude, N
    "stop_speed", "deploy_enabled", "range_trigger", "velocity_trigger",
    "target_lat", "target_lon", "t_deploy", "t_mark", "dry_mass",
    ("pd_target", 3), ("flyaway_dir", 3),  # powered-descent aim point (x, y, z); fly-away azimuth (unit x, y, z)
    # entry guidance of the case (read and written by the kernel for an entry vehicle: see control._guide1);
    # t_guide is the flight time of its next guidance cycle (s; -inf: at the first step)
    "entry_guided", "guided", "bank0", "planar", "aim_range", "bank", "bank_rate", "bank_sign",
    "guidance_on", "heading_aligned", "t_guide", "guidance_log", "bank_before",
    # per-case event thresholds (Monte Carlo disperses them): heat-shield minimum time after deploy (s), backshell
    # separation altitude above ground as the altimeter reads it (m), powered-descent delay after backshell
    # separation (s)
    "hs_min_time", "backshell_alt", "powered_delay",
    # navigation error of the case (see events._nav1): 1.0 when non-zero, position error east/north/up (m),
    # velocity error east/north/up (m/s)
    "nav_on", ("nav_dr", 3), ("nav_dv", 3),
    ("target_unit", 3),  # planet-fixed unit vector of the case's target (from target_lat/lon, packed once)
)
_T_EPS = 1e-9  # a cycle is due at a step starting this close before its time (steps land on it up to round-off)
# CF_GUIDANCE_LOG bits: events of the guidance the engine logs (at the state where they happen)
LOG_GUIDANCE_START, LOG_HEADING_ALIGNMENT, LOG_BANK_REVERSAL = 1, 2, 4

# --- entry-guidance constants (gpar), as marsedl.guidance.entry.EntryGuidanceParams (angles in rad)
_declare("G", "lod", "k3", "start_drag", "ha_speed", "ha_limit", "ha_gain", "c0", "c1", "c2", "rate_max",
         "acc_max", "min_bank", "max_bank", "dt", "f3_floor", "heat_k", "nose_radius")
# --- reference trajectory rows (ref), on its speed grid (row 0)
_declare("R", "speed", "range", "drag", "hdot", "f1", "f2", "f3", "lod")

# --- per-body int columns (ci)
# fired: bit k set once the body's generic event k (a preset's event) has happened (each fires once per body)
_declare("CI", "aero_id", "atm_row", "case", "phase", "fired")

# --- observables of one body (obs)
_declare("O", "alt_mola", "alt_agl", "speed", "mach", "q", "rho", "aero_g", ("up", 3), ("grav", 3), "drag", "rad",
         "slat", "canopy")
NOBS = NO  # noqa: F821 - (set by _declare)
# --- history rows (hb[i, k]): time, state (7), observables (NOBS), bank (NaN: not the vehicle), phase
NH = _declare("H", "t", ("y", 7), ("obs", NOBS), "bank", "phase")
# --- event log rows (one case's rows, kernels.case): case, body slot, event code, then a history row's fields
NL = _declare("L", "case", "slot", "code", ("h", NH))

# --- constants (p)
_declare(
    "P",
    "gm", "j2", "re", "rp", "w", "undulation", "ground", "grid_hmin", "grid_dh", "grid_hmax", "mach_max",
    "mach_step", "t_inflation", "inflation_exp", "isp_g0", "pert_hmin", "pert_dh", "has_pert", "skip_alt",
    "sufr_speed", "hs_max_mach", "hs_min_time", "backshell_alt", "powered_delay", "sky_crane_alt", "bridle",
    "touchdown_detect", "flyaway_burn", "max_time", "trigger_range", "mach_lo", "mach_hi", "q_lo", "q_hi",
    "target_radius", "g0", "n_alt", "sky_crane_speed", "thrust_min", "thrust_max", "flyaway_cos", "flyaway_sin",
    "flyaway_thrust", "has_wind", "has_wpert", "wpert_hmin", "wpert_dh", "trn", "deploy_floor", "powered_midpoint",
    # the powered descent's gates: the approach gate's height above the ground (m) and sink rate (m/s), the
    # constant deceleration's start height (m) and its deceleration (m/s²)
    "gate_alt", "gate_speed", "decel_alt", "decel",
    # the generic events' conditions (a preset's events, marsedl.sequence.N_GENERIC of them): the observable's
    # index in marsedl.sequence.OBSERVABLES, the threshold (SI), and +1 when the event happens as the observable
    # falls to it (below), -1 as it rises to it (above)
    ("gen_obs", N_GENERIC), ("gen_thr", N_GENERIC), ("gen_sign", N_GENERIC),
    # the vehicle's bodies (kernels.case): slots per case, entry and cruise balance masses, the descent stage's
    # slot, its dry mass and the rover's (kg); 1.0 for a lone body (its ground is its end); the powered approach's
    # least divert from the backshell (m)
    "n_slots", "n_ebm", "n_cbm", "slot_ds", "ds_dry", "rover_mass", "lone_body", "backshell_avoid",
    # the cruise balance masses (kernels.actions._cruise_balance_masses): 1.0 when they are released before entry
    # interface (and their separation logged), the time of their ejection (s from the vehicle's start, <= 0) and
    # their speed across the velocity (m/s)
    "cbm_release", "cbm_eject_time", "cbm_dv",
    # terrain-relative navigation's hazard map (1.0: there is one) and its edges (rad)
    "has_map", "map_north", "map_south", "map_west", "map_east",
    # the world's tables (see the rows of the atmosphere's table, AT, below): the aerodynamic table's first lift
    # row and its parachute row (its rows: every model's drag area, then every model's lift area, then the
    # parachute's drag area); how many altitudes the cases' density factors and wind offsets each have
    "cl_row0", "chute_row", "pert_n", "wpert_n",
)
# --- rows of the world's atmosphere table (flat[k, row * n_alt + i]: quantity k of atmosphere row ``row`` at the
# grid's altitude i, as marsedl.atmosphere.AtmosphereGrid holds them), then each row's scale heights beyond the
# grid's top and bottom (flat[AT_TOP_H, row], m), by which its density is extended
_declare("AT", "log_rho", "log_p", "temperature", "sound", "wind_e", "wind_n", "top_h", "bottom_h")
# --- rows of a case's perturbations (pert[case, k, i]): its density factor, then its wind offsets east and north
# (m/s), each on its own altitude grid (p[P_PERT_*] and p[P_WPERT_*])
_declare("PT", "density", "wind_e", "wind_n")
# event columns: the continuous events of marsedl.sequence.EVENTS (each one's column: event_column(name)), then
# the generic ones (GEN0 + k)
GEN0 = len(CONTINUOUS)
N_EV = GEN0 + N_GENERIC
# phases (the numbers of marsedl.phase.Phase, as plain ints for the compiled code)
PH_ENTRY, PH_SUFR, PH_CHUTE, PH_CHUTE_NO_HS, PH_FREEFALL, PH_FLYAWAY, PH_BALLISTIC = (
    int(Phase.ENTRY), int(Phase.SUFR), int(Phase.CHUTE), int(Phase.CHUTE_NO_HS), int(Phase.FREEFALL),
    int(Phase.FLYAWAY), int(Phase.BALLISTIC))
PH_POWERED, PH_SKY_CRANE, PH_HOVER = int(Phase.POWERED), int(Phase.SKY_CRANE), int(Phase.HOVER)
PH_CONSTANT_VELOCITY, PH_CONSTANT_DECELERATION = int(Phase.CONSTANT_VELOCITY), int(Phase.CONSTANT_DECELERATION)
# --- step sizes (steps array, s; the last entry is the coast altitude, m), as marsedl.engine.Steps
_declare("S", "entry", "parachute", "inflation", "powered", "ballistic", "coast", "coast_alt", "ballistic_max")
# a shed body's step grows from S_BALLISTIC up to S_BALLISTIC_MAX while it stays below these fractions of its own
# time scales (M: RK4 at these steps moves no impact of the nominal runs by more than 1 m against fixed 0.25 s
# steps; see tests/test_engine_physics.py and tests/test_engine_steps.py): the drag time speed/drag acceleration,
# and an altitude change (3 km: a quarter of the scale height; 1 km, 2 km and 3 km all leave the cruise balance
# masses' impacts within 0.03 m and their 4.4 km/s impact speeds within 0.2 m/s of fine steps)
_BALLISTIC_DRAG_FRACTION = 0.2
_BALLISTIC_MAX_DH_M = 3000.0
# --- per-body peak records (pk columns)
_declare("PK", "g", "g_t", "q", "chute_load", "heat")
# --- per-body values of error-controlled steps (fx rows; kernels.advance._free_step, only in a run that has them):
# the next step's length (s; 0: none yet), the last two peak samples (times t_1 < t_2; deceleration g, dynamic
# pressure and heat rate at each: advance._refine_peaks searches between them), and the last error-controlled
# step's start (time, state, derivative)
_declare("FX", "h_next", "t_1", "t_2", "g_1", "g_2", "q_1", "q_2", "heat_1", "heat_2", "sp_t", ("sp_y", 7),
         ("sp_d", 4))
# --- per-case inputs of the event actions (cin): mortar fire to line stretch (s), each entry balance mass (kg) and
# its ejection speed (m/s), the powered descent's largest divert (m), each cruise balance mass (kg)
_declare("CIN", "line_stretch_delay", "ebm_mass", "ebm_dv", "divert_limit", "cbm_mass")
# --- per-case results (res): the peaks (as PK), the deploy's Mach and q, the propellant at the powered descent's
# start and used, terrain-relative navigation's divert (m) and whether it found a safe cell (1/0; NaN: no map)
_declare("RES", ("pk", NPK), "deploy_mach", "deploy_q", "prop_start", "prop_used", "trn_divert",  # noqa: F821
         "trn_safe")
# --- the sequence's codes as plain ints for the compiled actions (marsedl.sequence)
OP_LOG, OP_SET_PHASE, OP_SET_AERO, OP_RELEASE, OP_END, OP_MARK, OP_SPECIAL = (int(o) for o in (
    Op.LOG, Op.SET_PHASE, Op.SET_AERO, Op.RELEASE, Op.END, Op.MARK, Op.SPECIAL))
N_BUILTIN = len(EVENTS)  # event codes below this are EVENTS'; a preset's k-th event is N_BUILTIN + k
EV_ENTRY_INTERFACE, EV_GUIDANCE_START, EV_HEADING_ALIGNMENT, EV_BANK_REVERSAL, EV_CBM_SEPARATION = (int(e) for e in (
    Ev.ENTRY_INTERFACE, Ev.GUIDANCE_START, Ev.HEADING_ALIGNMENT, Ev.BANK_REVERSAL, Ev.CRUISE_BALANCE_MASS_SEPARATION))
OUT_RUNNING, OUT_PARACHUTE_NOT_DEPLOYED, OUT_GROUND_IMPACT, OUT_PROPELLANT, OUT_TIMEOUT, OUT_STOPPED, OUT_IMPACT = (
    int(o) for o in (Outcome.RUNNING, Outcome.PARACHUTE_NOT_DEPLOYED, Outcome.GROUND_IMPACT_BEFORE_TOUCHDOWN,
                     Outcome.PROPELLANT_EXHAUSTED, Outcome.TIMEOUT, Outcome.STOPPED, Outcome.IMPACT))
AERO_CBM_ID, AERO_EBM_ID, AERO_DS_ID = (AERO_MODELS.index(m) for m in ("cruise_balance_mass", "entry_balance_mass",
                                                                       "descent_stage"))
PH_UNBORN, PH_DONE = int(Phase.UNBORN), int(Phase.DONE)
_SKY_CRANE_GAIN_PER_S = 2.0  # M: velocity-loop gain of the sky-crane hold, 1/s (time constant 0.5 s)
_TGO_MIN_S, _TGO_MAX_S = 1.0, 120.0  # M: bounds of the powered approach's time to go, s
