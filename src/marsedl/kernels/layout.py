"""The kernels' data layout: the columns of the per-body arrays, the constants vector, observables,
event columns, phases, step sizes and peak records (indices, named once)."""

from __future__ import annotations

from marsedl.phase import Phase
from marsedl.sequence import CONTINUOUS

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
# --- history rows (hb[i, k]): time, state (7), observables (NOBS), bank (NaN: not an entry vehicle)
H_T, H_Y, H_OBS, H_BANK = 0, 1, 8, 8 + NOBS
NH = H_BANK + 1

# --- constants (p)
(P_GM, P_J2, P_RE, P_RP, P_W, P_UNDULATION, P_GROUND, P_GRID_HMIN, P_GRID_DH, P_GRID_HMAX, P_MACH_MAX,
 P_MACH_STEP, P_T_INFLATION, P_INFLATION_EXP, P_ISP_G0, P_PERT_HMIN, P_PERT_DH, P_HAS_PERT, P_SKIP_ALT,
 P_SUFR_SPEED, P_HS_MAX_MACH, P_HS_MIN_TIME, P_BACKSHELL_ALT, P_POWERED_DELAY, P_SKY_CRANE_ALT, P_BRIDLE,
 P_TOUCHDOWN_DETECT, P_FLYAWAY_BURN, P_MAX_TIME, P_TRIGGER_RANGE, P_MACH_LO, P_MACH_HI, P_Q_LO, P_Q_HI,
 P_TARGET_RADIUS, P_G0, P_N_ALT, P_SKY_CRANE_SPEED, P_THRUST_MIN, P_THRUST_MAX, P_FLYAWAY_COS, P_FLYAWAY_SIN,
 P_FLYAWAY_THRUST, P_HAS_WIND, P_HAS_WPERT, P_WPERT_HMIN, P_WPERT_DH, P_TRN, P_DEPLOY_FLOOR) = range(49)
NP = 49
# event columns: the continuous events of marsedl.sequence.EVENTS (each one's column: event_column(name))
N_EV = len(CONTINUOUS)
# phases (the numbers of marsedl.phase.Phase, as plain ints for the compiled code)
PH_ENTRY, PH_SUFR, PH_CHUTE, PH_CHUTE_NO_HS, PH_FREEFALL, PH_FLYAWAY, PH_BALLISTIC = (
    int(Phase.ENTRY), int(Phase.SUFR), int(Phase.CHUTE), int(Phase.CHUTE_NO_HS), int(Phase.FREEFALL),
    int(Phase.FLYAWAY), int(Phase.BALLISTIC))
# step sizes (steps array, s; the last entry is the coast altitude, m), as marsedl.engine.Steps
S_ENTRY, S_PARACHUTE, S_INFLATION, S_POWERED, S_BALLISTIC, S_COAST, S_COAST_ALT = range(7)
# per-body peak records (pk columns)
PK_G, PK_G_T, PK_Q, PK_CHUTE_LOAD, PK_HEAT = range(5)
PH_POWERED, PH_SKY_CRANE, PH_HOVER = int(Phase.POWERED), int(Phase.SKY_CRANE), int(Phase.HOVER)
_SKY_CRANE_GAIN_PER_S = 2.0  # M: velocity-loop gain of the sky-crane hold, 1/s (time constant 0.5 s)
_TGO_MIN_S, _TGO_MAX_S = 1.0, 120.0  # M: bounds of the powered approach's time to go, s
