"""The engine's constants and tables in the layout of the compiled kernels (:mod:`marsedl.kernels`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from marsedl import kernels
from marsedl.atmosphere import AtmosphereGrid
from marsedl.engine.config import G0, EngineConfig
from marsedl.errors import MarsEDLError
from marsedl.guidance import entry as entry_guidance
from marsedl.laws import constant_deceleration
from marsedl.vehicle import MACH_MAX, MACH_STEP


@dataclass(frozen=True)
class _KernelData:
    """Constants and tables of one engine in the layout of :mod:`marsedl.kernels`."""

    p: np.ndarray
    flat: np.ndarray  # the atmosphere's table (rows kernels.AT_*)
    tab: np.ndarray  # the aerodynamic table: every model's drag area, lift area, then the parachute's (Mach grid)
    no_pert: np.ndarray  # the perturbations of a run without any (kernels.PT_*: (1, 3, 2) of zeros)
    gpar: np.ndarray  # entry-guidance constants (kernels.G_*)
    ref: np.ndarray  # reference trajectory rows (kernels.R_*)
    safe: np.ndarray  # terrain-relative navigation's hazard map's cells (bool; (1, 1) without a map)

    @classmethod
    def build(cls, cfg: EngineConfig) -> _KernelData:
        atm = cfg.atmosphere
        if not isinstance(atm, AtmosphereGrid):
            raise MarsEDLError(f"the engine's atmosphere must be an AtmosphereGrid, got {type(atm).__name__} "
                               "(AtmosphereGrid.from_atmosphere puts any model on one)")
        K = kernels
        s = cfg.sequence
        v = cfg.vehicle
        p = np.zeros(K.NP)
        pl = cfg.planet
        p[K.P_GM], p[K.P_J2], p[K.P_RE], p[K.P_RP] = pl.gm_m3_s2, pl.j2, pl.equatorial_radius_m, pl.polar_radius_m
        p[K.P_W] = pl.rotation_rate_rad_s
        p[K.P_UNDULATION], p[K.P_GROUND] = cfg.site.undulation_m, cfg.site.ground_mola_m
        p[K.P_GRID_HMIN], p[K.P_GRID_DH], p[K.P_GRID_HMAX] = atm.h_min_m, atm.dh_m, atm.h_max_m
        p[K.P_MACH_MAX], p[K.P_MACH_STEP] = MACH_MAX, MACH_STEP
        p[K.P_T_INFLATION], p[K.P_INFLATION_EXP] = v.parachute.inflation_time_s, v.parachute.inflation_exponent
        p[K.P_ISP_G0] = v.isp_s * G0
        p[K.P_SKIP_ALT] = cfg.entry_altitude_m + s.skip_out_margin_m
        p[K.P_SUFR_SPEED], p[K.P_HS_MAX_MACH], p[K.P_HS_MIN_TIME] = s.sufr_speed_m_s, s.hs_max_mach, s.hs_min_time_s
        p[K.P_BACKSHELL_ALT], p[K.P_POWERED_DELAY] = s.backshell_altitude_agl_m, s.powered_delay_s
        p[K.P_SKY_CRANE_ALT], p[K.P_BRIDLE] = s.sky_crane_altitude_m, s.bridle_length_m
        p[K.P_TOUCHDOWN_DETECT], p[K.P_FLYAWAY_BURN] = s.touchdown_detect_s, s.flyaway_burn_s
        p[K.P_MAX_TIME] = cfg.steps.max_time
        p[K.P_POWERED_MIDPOINT] = 1.0 if cfg.steps.powered_midpoint else 0.0
        p[K.P_TRIGGER_RANGE] = 1.0 if s.trigger == "range" else 0.0
        p[K.P_MACH_LO], p[K.P_MACH_HI] = s.mach_box
        p[K.P_Q_LO], p[K.P_Q_HI] = s.q_box_pa
        p[K.P_DEPLOY_FLOOR] = s.deploy_floor_agl_m
        p[K.P_TARGET_RADIUS] = float(cfg.site.areoid_radius_m + cfg.site.ground_mola_m)
        p[K.P_G0] = G0
        p[K.P_N_ALT] = atm._flat.shape[1] // np.asarray(atm.top_scale_height_m).size
        p[K.P_SKY_CRANE_SPEED] = s.sky_crane_speed_m_s
        p[K.P_GATE_ALT], p[K.P_GATE_SPEED], p[K.P_DECEL_ALT] = s.gate_altitude_m, s.gate_speed_m_s, s.decel_altitude_m
        if s.decel_altitude_m > s.sky_crane_altitude_m:  # (a lone body's sequence has no powered descent)
            p[K.P_DECEL] = constant_deceleration.py_func(s.gate_speed_m_s, s.sky_crane_speed_m_s, s.decel_altitude_m,
                                                         s.sky_crane_altitude_m)
        p[K.P_THRUST_MIN], p[K.P_THRUST_MAX] = v.thrust_min_n, v.thrust_max_n
        p[K.P_FLYAWAY_COS], p[K.P_FLYAWAY_SIN] = np.cos(s.flyaway_pitch_rad), np.sin(s.flyaway_pitch_rad)
        p[K.P_FLYAWAY_THRUST] = s.flyaway_throttle * v.thrust_max_n
        p[K.P_HAS_WIND] = 1.0 if np.any(atm._flat[4:6] != 0.0) else 0.0
        p[K.P_TRN] = 1.0 if s.terrain_relative_navigation else 0.0
        p[K.P_N_SLOTS], p[K.P_N_EBM], p[K.P_N_CBM] = v.n_slots, v.n_ebm, v.n_cbm
        p[K.P_SLOT_DS], p[K.P_DS_DRY], p[K.P_ROVER_MASS] = v.slot_descent_stage, v.descent_stage_dry_kg, v.rover_mass_kg
        p[K.P_LONE_BODY] = 1.0 if v.start_phase == K.PH_BALLISTIC else 0.0
        if s.cbm_eject_time_s is not None and v.n_cbm > 0:  # (released by the compiled flight at each case's start)
            p[K.P_CBM_RELEASE], p[K.P_CBM_EJECT_TIME], p[K.P_CBM_DV] = 1.0, s.cbm_eject_time_s, s.cbm_delta_v_m_s
        p[K.P_BACKSHELL_AVOID] = s.backshell_avoidance_m
        hz = cfg.hazard_map
        safe = np.zeros((1, 1), dtype=np.bool_)
        if hz is not None:
            p[K.P_HAS_MAP] = 1.0
            p[K.P_MAP_NORTH], p[K.P_MAP_SOUTH], p[K.P_MAP_WEST], p[K.P_MAP_EAST] = (hz.north_rad, hz.south_rad,
                                                                                  hz.west_rad, hz.east_rad)
            safe = np.ascontiguousarray(hz.safe, dtype=np.bool_)
        for k, e in enumerate(cfg.preset_events):  # the preset's events' conditions, in the generic columns
            p[K.P_GEN_OBS + k], p[K.P_GEN_THR + k], p[K.P_GEN_SIGN + k] = e.observable, e.threshold, e.sign
        # the atmosphere's grid, then each row's end scale heights (as the kernels read them: kernels.AT_*)
        flat = np.zeros((K.NAT, atm._flat.shape[1]))
        flat[:K.AT_TOP_H] = atm._flat
        n_rows = np.asarray(atm.top_scale_height_m).size
        flat[K.AT_TOP_H, :n_rows] = atm.top_scale_height_m
        flat[K.AT_BOTTOM_H, :n_rows] = atm.bottom_scale_height_m
        # the aerodynamic models' drag and lift areas, then the parachute's, on one Mach grid
        cd, cl = np.atleast_2d(v.aero_cd), np.atleast_2d(v.aero_cl)
        tab = np.ascontiguousarray(np.vstack([cd, cl, np.atleast_2d(v.chute_cd_s)]), dtype=float)
        p[K.P_CL_ROW0], p[K.P_CHUTE_ROW] = cd.shape[0], cd.shape[0] + cl.shape[0]
        no_pert = np.zeros((1, K.NPT, 2))  # (two altitudes: the least a grid holds)
        p[K.P_PERT_N] = p[K.P_WPERT_N] = no_pert.shape[2]
        gpar, ref = _guidance_tables(cfg)
        return cls(p=p, flat=flat, tab=tab, no_pert=no_pert, gpar=gpar, ref=ref, safe=safe)

    @property
    def chute_row(self) -> int:
        """The parachute's row of the aerodynamic table ``tab`` (its C_D S0 on the Mach grid)."""
        return int(self.p[kernels.P_CHUTE_ROW])

    def world(self, dp=None, wp=None) -> tuple:
        """The kernels' world for a run: ``(p, flat, tab, pert)`` — constants, the atmosphere's table (its grid and
        end scale heights: ``kernels.AT_*``), the aerodynamic table (every model's drag and lift areas, then the
        parachute's), and the cases' density factors ``dp`` and wind offsets ``wp``
        (:class:`marsedl.atmosphere.DensityPerturbation`, :class:`~marsedl.atmosphere.WindPerturbation`, rows =
        cases; None: none) as one array ``pert[case, kernels.PT_*, altitude]``, each on its own altitude grid (see
        :func:`marsedl.kernels.dynamics._core`). Four arrays, because every compiled call passes each array's
        fields one by one: 36 values for the world, where its nine arrays were 77."""
        if dp is None and wp is None:
            return (self.p, self.flat, self.tab, self.no_pert)
        p = self.p.copy()
        K = kernels
        d = dp.factors if dp is not None else self.no_pert[:, K.PT_DENSITY]
        o = wp.offsets_m_s if wp is not None else self.no_pert[:, K.PT_WIND_E:K.PT_WIND_N + 1]
        pert = np.zeros((max(d.shape[0], o.shape[0]), K.NPT, max(d.shape[1], o.shape[2])))
        pert[:d.shape[0], K.PT_DENSITY, :d.shape[1]] = d
        pert[:o.shape[0], K.PT_WIND_E:K.PT_WIND_N + 1, :o.shape[2]] = o
        p[K.P_PERT_N], p[K.P_WPERT_N] = d.shape[1], o.shape[2]
        if dp is not None:
            p[K.P_HAS_PERT], p[K.P_PERT_HMIN], p[K.P_PERT_DH] = 1.0, dp.h_min_m, dp.dh_m
        if wp is not None:
            p[K.P_HAS_WPERT], p[K.P_WPERT_HMIN], p[K.P_WPERT_DH] = 1.0, wp.h_min_m, wp.dh_m
        return (p, self.flat, self.tab, pert)


def _guidance_tables(cfg: EngineConfig) -> tuple[np.ndarray, np.ndarray]:
    """Entry-guidance constants and reference tables for the kernels (the parameters must be scalars: one
    guidance for every case of a run).

    Without a reference trajectory no case can be guided (:meth:`Engine.run` refuses that), but the kernels still
    fly the commanded bank through the rate and acceleration limits: they get an empty reference table, which
    only guided cases would read.
    """
    gp, ref = cfg.guidance, cfg.reference
    if gp is None:
        raise MarsEDLError("the engine needs entry-guidance parameters (EngineConfig.guidance)")
    names = ("lod", "k3", "start_drag_m_s2", "heading_alignment_speed_m_s", "heading_alignment_max_bank_deg",
             "heading_alignment_gain", "corridor_c0", "corridor_c1", "corridor_c2", "bank_rate_limit_deg_s",
             "bank_accel_limit_deg_s2", "min_bank_deg", "max_bank_deg")
    per_case = [n for n in names if np.ndim(getattr(gp, n)) != 0]
    if per_case:
        raise MarsEDLError(f"entry guidance {per_case[0]} must be one number for every case of a run")
    K = kernels
    g = np.zeros(K.NG)
    g[K.G_LOD], g[K.G_K3], g[K.G_START_DRAG] = gp.lod, gp.k3, gp.start_drag_m_s2
    g[K.G_HA_SPEED], g[K.G_HA_LIMIT] = gp.heading_alignment_speed_m_s, np.radians(gp.heading_alignment_max_bank_deg)
    g[K.G_HA_GAIN], g[K.G_C0], g[K.G_C1], g[K.G_C2] = (gp.heading_alignment_gain, gp.corridor_c0, gp.corridor_c1,
                                                       gp.corridor_c2)
    g[K.G_RATE_MAX], g[K.G_ACC_MAX] = np.radians(gp.bank_rate_limit_deg_s), np.radians(gp.bank_accel_limit_deg_s2)
    g[K.G_MIN_BANK], g[K.G_MAX_BANK] = np.radians(gp.min_bank_deg), np.radians(gp.max_bank_deg)
    g[K.G_DT], g[K.G_F3_FLOOR] = gp.period_s, entry_guidance.F3_FLOOR_M
    g[K.G_HEAT_K], g[K.G_NOSE_RADIUS] = cfg.planet.sutton_graves_k, cfg.vehicle.nose_radius_m
    if ref is None:
        return g, np.zeros((8, 2))
    speed = np.asarray(ref.speed_m_s, dtype=float)
    lod = np.broadcast_to(np.asarray(ref.lod_vertical_ref, dtype=float), speed.shape)
    tables = np.ascontiguousarray(np.stack([speed, ref.range_to_go_m, ref.drag_m_s2, ref.altitude_rate_m_s, ref.f1,
                                            ref.f2, ref.f3, lod]), dtype=float)
    return g, tables


