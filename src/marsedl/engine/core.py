"""The batched integrator: :class:`Engine` (run loop, NumPy reference forces, event location and handlers,
guidance at the start of each step). See :mod:`marsedl.engine` for the model."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from marsedl import kernels
from marsedl.aero import heating
from marsedl.engine.compiled import _KernelData
from marsedl.engine.config import (
    _ARMED,
    _BALLISTIC,
    _CHUTE,
    _CHUTE_NO_HS,
    _CONTINUOUS,
    _DONE,
    _ENTRY,
    _FLYAWAY,
    _FREEFALL,
    _HOVER,
    _N_EV,
    _POWERED,
    _SKY_CRANE,
    _SUFR,
    G0,
    CaseInputs,
    EngineConfig,
    EngineOutput,
    Ev,
    Outcome,
)
from marsedl.engine.state import (
    _Ctx,
    _descent_navigated,
    _History,
    _Log,
    _navigated,
    _Obs,
    _State,
    great_circle_m,
    guidance_due,
    navigated_state,
    next_guidance_cycle,
    unit_vector,
)
from marsedl.errors import MarsEDLError, interrupt_in
from marsedl.guidance import entry as entry_guidance
from marsedl.guidance import powered, triggers
from marsedl.vehicle import (
    AERO_BACKSHELL,
    AERO_CBM,
    AERO_DESCENT_STAGE,
    AERO_EBM,
    AERO_HEAT_SHIELD,
    AERO_PDV,
    AERO_ZERO_ALPHA,
    MACH_MAX,
    MACH_STEP,
)

#: Steps a body free of per-step guidance may take in one kernel call (it stops earlier at its first event;
#: every body also has the timeout event, so this is only a bound).
_MAX_STEPS_PER_CALL = 1_000_000
_TGO_MIN_S = 1.0  # floor of the powered approach's time to go (as marsedl.kernels._TGO_MIN_S)
_MIN_BODIES_PER_THREAD = 64  # below this a thread's start-up outweighs its share of the steps


class Engine:
    """The batched integrator. ``Engine(config).run(cases, record=False) -> EngineOutput``.

    Parameters
    ----------
    config : EngineConfig
    compiled : bool
        Evaluate forces, RK4 steps and event functions with the compiled kernels of :mod:`marsedl.kernels`
        (the default). ``False`` uses the NumPy expressions of :meth:`_derivs` and :meth:`_event_values`, the
        readable reference the kernels are tested against (and the baseline of the benchmarks). A
        configuration the kernels cannot express (a terrain callable, an atmosphere other than an
        :class:`~marsedl.atmosphere.AtmosphereGrid`) runs the NumPy path.
    threads : int
        Threads that step the compiled kernels on disjoint slices of the bodies (the kernels release the GIL).
        Bodies are independent, so the results are identical for any count; a batch smaller than
        ``threads x 64`` bodies stays on one thread. Monte Carlo workers keep the default 1 (one process per core).
    """

    def __init__(self, config: EngineConfig, *, compiled: bool = True, threads: int = 1):
        if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or not 1 <= threads <= 1024:
            raise MarsEDLError(f"threads must be an integer in 1..1024, got {threads!r}")
        self.threads = int(threads)
        self.cfg = config
        p = config.planet
        self._gm = p.gm_m3_s2
        self._j2 = p.j2
        self._re = p.equatorial_radius_m
        self._rp = p.polar_radius_m
        self._w = p.rotation_rate_rad_s
        site = config.site
        self._undulation = site.undulation_m
        self._ground = site.ground_mola_m
        self._terrain = site.terrain
        v = config.vehicle
        self._cd_tab = v.aero_cd
        self._cl_tab = v.aero_cl
        self._chute_tab = v.chute_cd_s
        self._nm = v.aero_cd.shape[1]
        if config.sequence.trigger == "range":  # validate the boxes once (the kernels take them as numbers)
            triggers._box(config.sequence.mach_box, "range trigger mach_box")
            triggers._box(config.sequence.q_box_pa, "range trigger q_box")
        self._k = _KernelData.build(config) if compiled else None
        st_ = config.steps
        self._steps_arr = np.array([st_.entry, st_.parachute, st_.inflation, st_.powered, st_.ballistic, st_.coast,
                                    st_.coast_altitude_m])

    @property
    def compiled(self) -> bool:
        """True when this engine runs the compiled kernels."""
        return self._k is not None

    # ------------------------------------------------------------------ geometry (hot path, vectorised)

    def _geometry(self, r: np.ndarray):
        """Radius, sin/cos latitude, longitude basis and altitudes for positions (n, 3)."""
        x, y, z = r[:, 0], r[:, 1], r[:, 2]
        rxy2 = x * x + y * y
        rad = np.sqrt(rxy2 + z * z)
        rxy = np.sqrt(rxy2)
        slat = z / rad
        # reference ellipsoid radius at planetocentric latitude, plus the site's constant undulation
        a, b = self._re, self._rp
        clat2 = rxy2 / (rad * rad)
        ell = a * b / np.sqrt((b * b) * clat2 + (a * a) * slat * slat)
        alt_mola = rad - ell - self._undulation
        if self._terrain is None:
            ground = self._ground
        else:
            ground = self._terrain(np.arcsin(slat), np.arctan2(y, x))
        alt_agl = alt_mola - ground
        return rad, rxy, slat, alt_mola, alt_agl

    def _gravity(self, r: np.ndarray, rad: np.ndarray, slat: np.ndarray) -> np.ndarray:
        """Point mass + J2 gravity in the planet-fixed frame (n, 3)."""
        mu, j2, re = self._gm, self._j2, self._re
        r2 = rad * rad
        k = 1.5 * j2 * (re * re) / r2
        s2 = slat * slat
        c_xy = -mu / (r2 * rad) * (1.0 + k * (1.0 - 5.0 * s2))
        c_z = -mu / (r2 * rad) * (1.0 + k * (3.0 - 5.0 * s2))
        g = r * c_xy[:, None]
        g[:, 2] = r[:, 2] * c_z
        return g

    def _frame(self, r: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Coriolis + centrifugal acceleration for rotation about +z at rate w."""
        w = self._w
        a = np.empty_like(r)
        a[:, 0] = 2.0 * w * v[:, 1] + w * w * r[:, 0]
        a[:, 1] = -2.0 * w * v[:, 0] + w * w * r[:, 1]
        a[:, 2] = 0.0
        return a

    def _mach_lookup(self, table: np.ndarray, rows: np.ndarray | None, mach: np.ndarray) -> np.ndarray:
        u = np.clip(mach, 0.0, MACH_MAX - 1e-9) / MACH_STEP
        i = u.astype(np.int64)
        f = u - i
        if rows is None:
            return table[i] * (1.0 - f) + table[i + 1] * f
        return table[rows, i] * (1.0 - f) + table[rows, i + 1] * f

    # ------------------------------------------------------------------ forces

    def _derivs(self, t: np.ndarray, y: np.ndarray, c: _Ctx, want_obs: bool = False):
        """dy/dt for a subset of bodies with held controls ``c``; optionally the observables."""
        r = y[:, :3]
        v = y[:, 3:6]
        m = y[:, 6]
        rad, rxy, slat, alt_mola, alt_agl = self._geometry(r)
        acc = self._gravity(r, rad, slat) + self._frame(r, v)
        factor = c.density_factor
        if c.density_perturbation is not None:
            factor = factor * c.density_perturbation.evaluate(alt_mola, c.case)
        atm = self.cfg.atmosphere.evaluate(alt_mola, rows=c.atm_row, density_factor=factor)
        rho = atm.density_kg_m3
        # wind in the planet-fixed frame: east = (-y, x, 0)/rxy, north = up x east
        inv_rxy = 1.0 / np.maximum(rxy, 1e-9)
        ex, ey = -r[:, 1] * inv_rxy, r[:, 0] * inv_rxy
        ux, uy, uz = r[:, 0] / rad, r[:, 1] / rad, r[:, 2] / rad
        nx, ny, nz = -uz * ey, uz * ex, ux * ey - uy * ex
        we, wn = atm.wind_east_m_s * c.wind_scale, atm.wind_north_m_s * c.wind_scale
        if c.wind_perturbation is not None:
            de, dn = c.wind_perturbation.evaluate(alt_mola, c.case)
            we, wn = we + de, wn + dn
        vax = v[:, 0] - (we * ex + wn * nx)
        vay = v[:, 1] - (we * ey + wn * ny)
        vaz = v[:, 2] - wn * nz
        vair = np.sqrt(vax * vax + vay * vay + vaz * vaz)
        inv_v = 1.0 / np.maximum(vair, 1e-9)
        q = 0.5 * rho * vair * vair
        mach = vair / atm.sound_speed_m_s
        cda = self._mach_lookup(self._cd_tab, c.aero_id, mach) * c.cd_scale
        canopy = np.zeros_like(cda)  # drag area of the parachute alone (its force is the riser load)
        if c.has_chute.any():
            frac = c.chute_fraction(t)
            canopy = self._mach_lookup(self._chute_tab, None, mach) * c.chute_cd_scale * frac
            cda = cda + canopy
        drag = q * cda / m
        aero = np.empty_like(r)
        aero[:, 0] = -drag * vax * inv_v
        aero[:, 1] = -drag * vay * inv_v
        aero[:, 2] = -drag * vaz * inv_v
        if c.lifting.any():
            lift = q * self._mach_lookup(self._cl_tab, c.aero_id, mach) * c.cl_scale / m * c.lifting
            # lift-up direction: component of local up normal to the air velocity; side = vhat x lift-up
            vx, vy, vz = vax * inv_v, vay * inv_v, vaz * inv_v
            ud = ux * vx + uy * vy + uz * vz
            lx, ly, lz = ux - ud * vx, uy - ud * vy, uz - ud * vz
            ln = 1.0 / np.maximum(np.sqrt(lx * lx + ly * ly + lz * lz), 1e-12)
            lx, ly, lz = lx * ln, ly * ln, lz * ln
            sx, sy, sz = vy * lz - vz * ly, vz * lx - vx * lz, vx * ly - vy * lx
            cb, sb = c.cos_bank, c.sin_bank
            aero[:, 0] += lift * (cb * lx + sb * sx)
            aero[:, 1] += lift * (cb * ly + sb * sy)
            aero[:, 2] += lift * (cb * lz + sb * sz)
        acc += aero
        dy = np.empty_like(y)
        dy[:, :3] = v
        if c.thrust is not None:
            acc += c.thrust / m[:, None]
            dy[:, 6] = -c.thrust_mag / (self.cfg.vehicle.isp_s * G0)
        else:
            dy[:, 6] = 0.0
        dy[:, 3:6] = acc
        if not want_obs:
            return dy
        speed = np.sqrt(np.einsum("ij,ij->i", v, v))
        grav = acc - aero - (c.thrust / m[:, None] if c.thrust is not None else 0.0)
        obs = _Obs(np.column_stack([alt_mola, alt_agl, speed, mach, q, rho,
                                    np.sqrt(np.einsum("ij,ij->i", aero, aero)) / G0, ux, uy, uz, grav, drag, rad,
                                    slat, q * canopy]))
        return dy, obs

    def _derivs_obs(self, t: np.ndarray, y: np.ndarray, c: _Ctx):
        """(dy/dt, observables) by the compiled kernel when this engine has one, else by :meth:`_derivs`."""
        k = self._k
        if k is None:
            return self._derivs(t, y, c, want_obs=True)
        cf, ci = c.packed()
        dy, data = kernels.observe(t, y, cf, ci, *k.args(c))
        return dy, _Obs(data)

    def _rk4(self, t, y, h, c):
        k = self._k
        if k is not None:
            cf, ci = c.packed()
            return kernels.rk4(t, y, h, cf, ci, *k.args(c))[0]
        hh = h[:, None]
        k1 = self._derivs(t, y, c)
        k2 = self._derivs(t + 0.5 * h, y + 0.5 * hh * k1, c)
        k3 = self._derivs(t + 0.5 * h, y + 0.5 * hh * k2, c)
        k4 = self._derivs(t + h, y + hh * k3, c)
        return y + hh / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)

    # ------------------------------------------------------------------ events

    def _event_values(self, t, y, obs, c) -> np.ndarray:
        """(n, _N_EV) event functions; +inf where not armed. An event happens when g falls to <= 0."""
        s = self.cfg.sequence
        n = y.shape[0]
        g = np.full((n, _N_EV), np.inf)
        armed = _ARMED[c.phase]
        cols = {code: k for k, (code, _) in enumerate(_CONTINUOUS)}

        def put(code, values):
            k = cols[code]
            g[:, k] = np.where(armed[:, k], values, np.inf)

        ground_offset = np.where(c.phase == _SKY_CRANE, 0.0, 0.0)
        put(Ev.IMPACT, obs.alt_agl - ground_offset)
        put(Ev.SKIP_OUT, (self.cfg.entry_altitude_m + s.skip_out_margin_m) - obs.alt_mola)
        put(Ev.STOP_SPEED, np.where(c.stop_speed > 0, obs.speed - c.stop_speed, np.inf))
        put(Ev.SUFR, np.where(s.sufr_speed_m_s > 0, obs.speed - s.sufr_speed_m_s, np.inf))
        put(Ev.PARACHUTE_DEPLOY, np.where(c.deploy_enabled, self._deploy_g(y, obs, c), np.inf))
        put(Ev.HEAT_SHIELD_SEPARATION, np.maximum(obs.mach - s.hs_max_mach, c.t_deploy + c.hs_min_time - t))
        put(Ev.BACKSHELL_SEPARATION, obs.alt_agl - c.backshell_alt)
        put(Ev.POWERED_DESCENT_START, c.t_mark + c.powered_delay - t)
        put(Ev.SKY_CRANE_START, obs.alt_agl - s.sky_crane_altitude_m)
        put(Ev.TOUCHDOWN, obs.alt_agl - s.bridle_length_m)
        put(Ev.FLYAWAY, c.t_mark + s.touchdown_detect_s - t)
        put(Ev.FLYAWAY_BURN_END, c.t_mark + s.flyaway_burn_s - t)
        put(Ev.PROPELLANT_EXHAUSTED, y[:, 6] - c.dry_mass)
        put(Ev.TIMEOUT, self.cfg.steps.max_time - t)
        return g

    def _deploy_g(self, y, obs, c) -> np.ndarray:
        """Deploy trigger as a continuous function: <= 0 when the parachute should fire.

        Inside the Mach/q box the trigger (range or velocity) decides; reaching the low-Mach edge of the box
        fires it regardless (the box edge comes first), and so does the altitude floor
        (``sequence.deploy_floor_agl_m``, on the navigated altitude above the ground; 0: none) once Mach is below
        the box's upper edge (a canopy opened faster would not survive).
        """
        s = self.cfg.sequence
        _, _, up, speed = _navigated(y, obs, c)  # the trigger sees the navigated state
        if s.trigger == "range":
            rng = great_circle_m(up, c.target_lat, c.target_lon, c.target_radius)
            g = triggers.range_trigger_g(rng, c.range_trigger, obs.mach, obs.q, s.mach_box, s.q_box_pa)
        else:
            in_box = triggers.all_of_g(triggers.velocity_trigger_g(speed, c.velocity_trigger) / 100.0,
                                       triggers.below_g(obs.mach, s.mach_box[1]))
            g = triggers.any_of_g(in_box, triggers.below_g(obs.mach, s.mach_box[0]))
        if s.deploy_floor_agl_m > 0.0:
            alt = obs.alt_agl if c.nav_dr is None else obs.alt_agl + c.nav_dr[:, 2]
            floor = triggers.all_of_g(triggers.altitude_trigger_g(alt, s.deploy_floor_agl_m) / 1000.0,
                                      triggers.below_g(obs.mach, s.mach_box[1]))
            g = triggers.any_of_g(g, floor)
        return g


    # ------------------------------------------------------------------ the run

    def run(self, cases: CaseInputs, record: bool = False) -> EngineOutput:
        """Integrate every body of every case from entry interface until all have landed or stopped.

        Parameters
        ----------
        cases : CaseInputs
            Per-case inputs; ``cases.n`` cases are flown together.
        record : bool
            Keep the time history of every body (for a nominal run, plots and ``--out``). Monte Carlo runs
            leave it off and keep only events, impacts and peaks.
        """
        try:
            return self._run(cases, record)
        except SystemError as exc:  # a Ctrl-C that surfaced inside a compiled kernel: give it back as one
            if interrupt_in(exc):
                raise KeyboardInterrupt from None
            raise

    def _run(self, cases: CaseInputs, record: bool) -> EngineOutput:
        if self.cfg.reference is None and np.any(cases.guided):
            i = int(np.flatnonzero(cases.guided)[0])
            raise MarsEDLError(f"cases.guided must be false without a reference trajectory (case {i} is guided)")
        if self._k is not None:
            self._check_rows(cases)
        st = _State.allocate(self, cases)
        log = _Log()
        # entry interface of every vehicle, at its own start time
        vi = st.vehicle_index
        self._log_events(log, st, vi, Ev.ENTRY_INTERFACE)
        if self.cfg.sequence.cbm_eject_time_s is not None and self.cfg.vehicle.n_cbm > 0:
            self._spawn_cruise_balance_masses(st, cases, log)
        hist = _History() if record else None
        if hist is not None:
            self._record(hist, st, np.flatnonzero(st.phase >= _ENTRY))
        pool = ThreadPoolExecutor(self.threads) if self.threads > 1 and self._k is not None else None
        try:
            for _ in range(2_000_000):
                act = np.flatnonzero(st.phase >= _ENTRY)
                if act.size == 0:
                    break
                self._step(st, act, log, 1 if hist is not None else _MAX_STEPS_PER_CALL, pool)
                if hist is not None:
                    self._record(hist, st, act)
        finally:
            if pool is not None:
                pool.shutdown()
        return EngineOutput(
            n_cases=cases.n,
            body_names=self.cfg.vehicle.body_names,
            outcome=st.outcome,
            events=log.table(),
            peaks={"deceleration_g": st.peak_g, "deceleration_time_s": st.peak_g_t,
                   "dynamic_pressure_pa": st.peak_q, "heat_rate_w_cm2": st.peak_heat / 1e4,
                   "propellant_used_kg": st.prop_used, "deploy_mach": st.deploy_mach,
                   "deploy_q_pa": st.deploy_q, "peak_parachute_load_n": st.peak_chute_load,
                   "opening_load_estimate_n": self._opening_load(st)},
            history=hist.table() if hist is not None else None,
        )

    def _opening_load(self, st: _State) -> np.ndarray:
        """Peak opening load estimate per case, N: C_x C_D(M) q S0 at the deploy point (NaN if not deployed).

        The engine's canopy grows monotonically to its steady drag area, so the flown peak parachute load is
        the steady drag q C_D S0; parachutes overshoot while they open. C_x is the canopy's opening-load factor
        (:class:`marsedl.aero.parachute.DiskGapBand`, derived from the ASPIRE tests: the peak force was 0.9–1.0
        q S0), applied to the case's own parachute C_D (its ``chute_cd_scale``).
        """
        cds = self._mach_lookup(self._chute_tab, None, np.nan_to_num(st.deploy_mach)) * st.cases.chute_cd_scale
        return self.cfg.vehicle.parachute.opening_load_factor * cds * st.deploy_q

    def _step(self, st: _State, act: np.ndarray, log: _Log, max_steps: int = 1,
              pool: ThreadPoolExecutor | None = None) -> None:
        """Advance the active bodies ``act`` by one step (NumPy path) or, with the kernels, each by up to
        ``max_steps`` steps until its first event (bodies under per-step guidance take one step), then apply
        the events found."""
        t0 = st.t[act]
        y0 = st.y[act]
        c = self._context(st, act, t0)
        _, obs0 = self._derivs_obs(t0, y0, c)
        self._guide(st, act, t0, y0, obs0, c, log)
        k = self._k
        if k is None:
            dt = self._step_size(st, act, t0, obs0)
            y1 = self._rk4(t0, y0, dt, c)
            _, obs1 = self._derivs(t0 + dt, y1, c, want_obs=True)
            g0 = self._event_values(t0, y0, obs0, c)
            g1 = self._event_values(t0 + dt, y1, obs1, c)
            now = g0 <= 0.0
            cross = (g0 > 0.0) & (g1 <= 0.0)
            has = (now | cross).any(axis=1)
            tracked = np.zeros(act.size, dtype=bool)
        else:
            cf, ci = c.packed()
            ph = c.phase
            veh = st.slot[act] == 0
            cs = st.case[act]
            entry = veh & ((ph == _ENTRY) | (ph == _SUFR))
            if k.gpar is None:  # entry guidance in Python: its bodies take one step per call
                guided = entry
                gpar, ref = np.zeros(kernels.NG), np.zeros((8, 2))
            else:  # the kernel guides (bank) and, as for powered bodies (thrust), steps on
                guided = np.zeros(act.size, dtype=bool)
                gpar, ref = k.gpar, k.ref
                if entry.any():
                    self._pack_entry_guidance(st, cf, entry, cs[entry])
            steps_n = np.where(guided, 1, max_steps)
            tracked = veh & ~guided  # their peaks are followed by the kernel, step by step
            pk = np.column_stack([st.peak_g[cs], st.peak_g_t[cs], st.peak_q[cs], st.peak_chute_load[cs],
                                  st.peak_heat[cs]])
            out = kernels.advance_outputs(act.size)
            args = (t0, y0, obs0.data, steps_n, tracked, cf, ci, *k.args(c), _ARMED, self._steps_arr, pk, gpar,
                    ref, *out)
            n_parts = min(self.threads, act.size // _MIN_BODIES_PER_THREAD) if pool is not None else 1
            if n_parts > 1:
                cuts = np.linspace(0, act.size, n_parts + 1).astype(int)
                jobs = [pool.submit(kernels.advance_steps, cuts[j], cuts[j + 1], *args) for j in range(n_parts)]
                for j in jobs:
                    j.result()
            else:
                kernels.advance_steps(0, act.size, *args)
            t0, dt, y0, _, g0, y1, data1, g1, has = out
            if tracked.any():
                tc = cs[tracked]
                (st.peak_g[tc], st.peak_g_t[tc], st.peak_q[tc], st.peak_chute_load[tc],
                 st.peak_heat[tc]) = pk[tracked].T
            obs1 = _Obs(data1)
            now = g0 <= 0.0
            cross = (g0 > 0.0) & (g1 <= 0.0)
        quiet = ~has
        qi = act[quiet]
        st.t[qi] = t0[quiet] + dt[quiet]
        st.y[qi] = y1[quiet]
        mine = quiet & ~tracked
        if mine.all():
            self._track_peaks(st, qi, t0 + dt, obs1)
        elif mine.any():
            self._track_peaks(st, act[mine], t0[mine] + dt[mine], obs1.take(mine))
        if k is not None and k.gpar is not None and entry.any():
            self._unpack_entry_guidance(st, act, cf, entry, cs[entry], log)
        if not has.any():
            return
        # bodies with an event in this step: find the earliest root per body
        sel = np.flatnonzero(has)
        h_best = np.full(sel.size, np.inf)
        k_best = np.full(sel.size, -1)
        for k in range(_N_EV):
            col_now = now[sel, k]
            col_cross = cross[sel, k]
            if col_now.any():
                better = col_now & (h_best > 0.0)
                h_best[better] = 0.0
                k_best[better] = k
            if col_cross.any():
                j = sel[col_cross]
                h = self._locate(t0[j], y0[j], dt[j], g0[j, k], g1[j, k], c.take(j), k)
                better = h < h_best[col_cross]
                idx = np.flatnonzero(col_cross)[better]
                h_best[idx] = h[better]
                k_best[idx] = k
        ye = y0[sel].copy()
        moved = h_best > 0.0
        if moved.any():
            ms = sel[moved]
            ye[moved] = self._rk4(t0[ms], y0[ms], h_best[moved], c.take(ms))
        bodies = act[sel]
        st.t[bodies] = t0[sel] + h_best
        st.y[bodies] = ye
        for k in np.unique(k_best):
            mine = k_best == k
            self._apply(st, bodies[mine], _CONTINUOUS[k][0], log)

    def _pack_entry_guidance(self, st, cf, rows, cs) -> None:
        """The cases' entry-guidance values into the kernel's per-body columns of the entry vehicles ``rows``."""
        K = kernels
        cases = st.cases
        cf[rows, K.CF_ENTRY_GUIDED] = 1.0
        cf[rows, K.CF_GUIDED] = cases.guided[cs]
        cf[rows, K.CF_BANK0] = cases.bank0_rad[cs]
        cf[rows, K.CF_PLANAR] = cases.planar[cs]
        cf[rows, K.CF_AIM_RANGE] = cases.aim_range_m[cs]
        cf[rows, K.CF_BANK] = st.bank[cs]
        cf[rows, K.CF_BANK_RATE] = st.bank_rate[cs]
        cf[rows, K.CF_BANK_SIGN] = st.bank_sign[cs]
        cf[rows, K.CF_GUIDANCE_ON] = st.guidance_on[cs]
        cf[rows, K.CF_HEADING_ALIGNED] = st.heading_aligned[cs]
        cf[rows, K.CF_T_GUIDE] = st.guidance_t_next[cs]

    def _unpack_entry_guidance(self, st, act, cf, rows, cs, log) -> None:
        """Log the guidance events the kernel stopped at (with the bank before that step's update, as the Python
        guidance does), then keep the kernel's guidance values."""
        K = kernels
        g = cf[rows]
        bits = g[:, K.CF_GUIDANCE_LOG].astype(np.int64)
        stopped = bits != 0
        if stopped.any():
            st.bank[cs[stopped]] = g[stopped, K.CF_BANK_BEFORE]  # the rows show the bank before the update
            bodies = act[rows]
            for bit, code in ((K.LOG_GUIDANCE_START, Ev.GUIDANCE_START),
                              (K.LOG_HEADING_ALIGNMENT, Ev.HEADING_ALIGNMENT),
                              (K.LOG_BANK_REVERSAL, Ev.BANK_REVERSAL)):
                sel = (bits & bit) != 0
                if sel.any():
                    self._log_events(log, st, bodies[sel], code)
        st.bank[cs] = g[:, K.CF_BANK]
        st.bank_rate[cs] = g[:, K.CF_BANK_RATE]
        st.bank_sign[cs] = g[:, K.CF_BANK_SIGN]
        st.guidance_on[cs] = g[:, K.CF_GUIDANCE_ON] != 0.0
        st.heading_aligned[cs] = g[:, K.CF_HEADING_ALIGNED] != 0.0
        st.guidance_t_next[cs] = g[:, K.CF_T_GUIDE]

    def _locate(self, t0, y0, dt, ga, gb, c, k, iterations: int = 40, tol_s: float = 1e-7) -> np.ndarray:
        """Root of event function ``k`` inside the step by the Illinois method on partial RK4 steps.

        Returns the right end of the final bracket, where the event condition (g <= 0) holds.
        """
        a = np.zeros_like(dt)
        b = dt.copy()
        fa = ga.copy()
        fb = gb.copy()
        side = np.zeros(dt.shape, dtype=np.int8)
        for _ in range(iterations):
            # each body stops at its own tolerance, so its answer does not depend on the others in the batch
            open_ = (b - a) >= tol_s
            if not open_.any():
                break
            x = b - fb * (b - a) / (fb - fa)
            x = np.where(np.isfinite(x) & (x > a) & (x < b), x, 0.5 * (a + b))
            fx = self._event_at(t0, y0, x, c)[:, k]
            left = (fx > 0.0) & open_
            right = ~(fx > 0.0) & open_
            # root in [x, b]
            a = np.where(left, x, a)
            fa = np.where(left, fx, fa)
            fb = np.where(left & (side == 1), 0.5 * fb, fb)
            # root in [a, x]
            b = np.where(right, x, b)
            fb = np.where(right, fx, fb)
            fa = np.where(right & (side == -1), 0.5 * fa, fa)
            side = np.where(left, 1, np.where(right, -1, side)).astype(np.int8)
        return b

    def _event_at(self, t0, y0, h, c) -> np.ndarray:
        """Event functions (n, _N_EV) after partial RK4 steps of length ``h`` from ``(t0, y0)``."""
        k = self._k
        if k is None:
            yx = self._rk4(t0, y0, h, c)
            _, obs = self._derivs(t0 + h, yx, c, want_obs=True)
            return self._event_values(t0 + h, yx, obs, c)
        cf, ci = c.packed()
        yx, data = kernels.rk4(t0, y0, h, cf, ci, *k.args(c))
        return kernels.event_values(t0 + h, yx, data, cf, ci, k.p, _ARMED)

    def _step_size(self, st, act, t0, obs) -> np.ndarray:
        s = self.cfg.steps
        ph = st.phase[act]
        dt = np.full(act.size, s.ballistic)
        dt[(ph == _ENTRY) | (ph == _SUFR)] = s.entry
        chute = (ph == _CHUTE) | (ph == _CHUTE_NO_HS)
        dt[chute] = s.parachute
        inflating = chute & (t0 < st.t_line_stretch[st.case[act]] + 3.0 * self.cfg.vehicle.parachute.inflation_time_s)
        dt[inflating] = s.inflation
        powered = (ph >= _FREEFALL) & (ph <= _FLYAWAY)
        dt[powered] = s.powered
        coast = obs.alt_mola > s.coast_altitude_m
        dt[coast & ((ph == _BALLISTIC) | (ph == _ENTRY))] = s.coast
        # a line stretch inside a step would put a kink in the drag: stop the step there instead
        tls = st.t_line_stretch[st.case[act]]
        cut = (ph == _CHUTE) & (t0 < tls) & (t0 + dt > tls)
        dt[cut] = np.maximum(tls[cut] - t0[cut], 1e-6)
        return dt

    # ------------------------------------------------------------------ per-step controls

    def _context(self, st: _State, act: np.ndarray, t0: np.ndarray) -> _Ctx:
        cs = st.case[act]
        ph = st.phase[act]
        cases = st.cases
        vehicle_body = st.slot[act] == 0
        lifting = ((ph == _ENTRY) & vehicle_body).astype(float)
        bank = st.bank[cs]
        has_chute = ((ph == _CHUTE) | (ph == _CHUTE_NO_HS)) & vehicle_body
        v = self.cfg.vehicle
        return _Ctx(
            phase=ph,
            aero_id=st.aero_id[act],
            cd_scale=cases.cd_scale[cs],
            cl_scale=cases.cl_scale[cs],
            chute_cd_scale=cases.chute_cd_scale[cs],
            density_factor=cases.density_factor[cs],
            wind_scale=cases.wind_scale[cs],
            case=cs,
            density_perturbation=cases.density_perturbation,
            wind_perturbation=cases.wind_perturbation,
            atm_row=cases.atm_row[cs],
            lifting=lifting,
            cos_bank=np.cos(bank),
            sin_bank=np.where(cases.planar[cs], 0.0, np.sin(bank)),
            has_chute=has_chute,
            t_line_stretch=st.t_line_stretch[cs],
            t_inflation=v.parachute.inflation_time_s,
            inflation_exponent=v.parachute.inflation_exponent,
            thrust=None,
            thrust_mag=None,
            t_deploy=st.t_deploy[cs],
            t_mark=st.t_mark[act],
            dry_mass=st.dry_mass[act],
            stop_speed=np.where(vehicle_body, cases.stop_speed_m_s[cs], 0.0),
            deploy_enabled=cases.deploy_enabled[cs] & vehicle_body,
            range_trigger=cases.range_trigger_m[cs],
            velocity_trigger=cases.velocity_trigger_m_s[cs],
            aim_range=cases.aim_range_m[cs],
            target_lat=cases.target_lat_rad[cs],
            target_lon=cases.target_lon_rad[cs],
            target_radius=st.target_radius,
            pd_target=st.pd_target[cs],
            flyaway_dir=st.flyaway_dir[cs],
            hs_min_time=cases.hs_min_time_s[cs],
            backshell_alt=self.cfg.sequence.backshell_altitude_agl_m + cases.backshell_altitude_bias_m[cs],
            powered_delay=cases.powered_delay_s[cs],
            nav_on=st.nav_on[cs],
            nav_dr=cases.nav_position_error_m[cs],
            nav_dv=cases.nav_velocity_error_m_s[cs],
        )

    def _guide(self, st, act, t0, y0, obs, c, log) -> None:
        """Entry guidance (bank) and powered-descent guidance (thrust) at the start of the step."""
        ph = c.phase
        veh = st.slot[act] == 0
        entering = veh & ((ph == _ENTRY) | (ph == _SUFR))
        if entering.any() and (self._k is None or self._k.gpar is None):  # (else the kernels guide, step by step)
            # a guidance cycle runs when due (every guidance.period_s of flight time); the bank is held between
            due = entering & guidance_due(t0, st.guidance_t_next[st.case[act]])
            if due.any():
                self._entry_guidance(st, act[due], t0[due], y0[due], obs.take(due), c.take(due), log)
                dc = st.case[act[due]]
                st.guidance_t_next[dc] = next_guidance_cycle(st.guidance_t_next[dc], t0[due],
                                                             self.cfg.guidance.period_s)
            c.cos_bank[entering] = np.cos(st.bank[st.case[act[entering]]])
            sinb = np.sin(st.bank[st.case[act[entering]]])
            c.sin_bank[entering] = np.where(st.cases.planar[st.case[act[entering]]], 0.0, sinb)
            c.refresh_controls()
        thrusting = (ph == _POWERED) | (ph == _SKY_CRANE) | (ph == _HOVER) | (ph == _FLYAWAY)
        if self._k is None and thrusting.any():  # (the kernels run the same thrust law inside their steps)
            thrust = np.zeros((act.size, 3))
            idx = np.flatnonzero(thrusting)
            thrust[idx] = self._thrust(st, act[idx], t0[idx], y0[idx], obs.take(idx))
            c.thrust = thrust
            c.thrust_mag = np.linalg.norm(thrust, axis=1)
            c.refresh_controls()

    def _entry_guidance(self, st, act, t0, y0, obs, c, log) -> None:
        gp = self.cfg.guidance
        cs = st.case[act]
        cases = st.cases
        _, v, up, speed = _navigated(y0, obs, c)  # guidance sees the navigated state; the sensed drag is true
        hdot = np.einsum("ij,ij->i", v, up)
        drag = obs.drag
        # guidance start: sensed drag above the threshold
        start = cases.guided[cs] & ~st.guidance_on[cs] & (drag >= gp.start_drag_m_s2)
        if start.any():
            st.guidance_on[cs[start]] = True
            self._log_events(log, st, act[start], Ev.GUIDANCE_START)
        on = st.guidance_on[cs] & (c.phase == _ENTRY)
        cmd = np.where(cases.guided[cs], st.bank[cs], cases.bank0_rad[cs])
        cmd = np.where(cases.guided[cs] & ~st.guidance_on[cs], cases.bank0_rad[cs], cmd)
        if on.any():
            i = np.flatnonzero(on)
            ci = cs[i]
            rtg = great_circle_m(up[i], c.target_lat[i], c.target_lon[i], c.target_radius) - c.aim_range[i]
            tgt = unit_vector(c.target_lat[i], c.target_lon[i])
            # crossrange: angle of the target out of the plane (position, velocity); positive = to the right
            h = np.cross(up[i], v[i])
            h /= np.linalg.norm(h, axis=1, keepdims=True)
            crossrange = -np.arcsin(np.clip(np.einsum("ij,ij->i", h, tgt), -1, 1)) * st.target_radius
            heading_mode = speed[i] <= gp.heading_alignment_speed_m_s
            newly = heading_mode & ~st.heading_aligned[ci]
            if newly.any():
                st.heading_aligned[ci[newly]] = True
                self._log_events(log, st, act[i[newly]], Ev.HEADING_ALIGNMENT)
            mag = entry_guidance.range_control_bank(speed[i], drag[i], hdot[i], rtg, self.cfg.reference, gp)
            new_sign = entry_guidance.lateral_logic(speed[i], crossrange, st.bank_sign[ci], gp)
            flipped = (new_sign != st.bank_sign[ci]) & ~heading_mode
            if flipped.any():
                self._log_events(log, st, act[i[flipped]], Ev.BANK_REVERSAL)
            st.bank_sign[ci] = np.where(heading_mode, st.bank_sign[ci], new_sign)
            # heading alignment: steer the heading onto the target with a limited bank
            east = np.stack([-up[i, 1], up[i, 0], np.zeros(i.size)], axis=1)
            east /= np.maximum(np.linalg.norm(east, axis=1, keepdims=True), 1e-12)
            north = np.cross(up[i], east)
            heading = np.arctan2(np.einsum("ij,ij->i", v[i], east), np.einsum("ij,ij->i", v[i], north))
            to_t = tgt - up[i] * np.einsum("ij,ij->i", tgt, up[i])[:, None]
            bearing = np.arctan2(np.einsum("ij,ij->i", to_t, east), np.einsum("ij,ij->i", to_t, north))
            herr = np.angle(np.exp(1j * (bearing - heading)))
            ha = entry_guidance.heading_alignment_bank(herr, gp)
            cmd[i] = np.where(heading_mode, ha, st.bank_sign[ci] * mag)
        cmd = np.where(c.phase == _SUFR, 0.0, cmd)
        dt = gp.period_s  # the bank moves by one guidance cycle's worth
        new_bank, new_rate = entry_guidance.rate_limited_bank(st.bank[cs], st.bank_rate[cs], cmd, dt, gp)
        st.bank[cs] = new_bank
        st.bank_rate[cs] = new_rate

    def _thrust(self, st, act, t0, y0, obs) -> np.ndarray:
        """Thrust vector (n, 3), N, for powered bodies: E-guidance, sky crane, hover, fly-away."""
        s = self.cfg.sequence
        v = self.cfg.vehicle
        ph = st.phase[act]
        c = self._context(st, act, t0)
        # E-guidance and the sky-crane hold fly the navigated state of the descent (see _descent_navigated)
        r, vel, up = _descent_navigated(y0, obs, c, s.terrain_relative_navigation, self._re, self._rp)
        fly_true = ph == _FLYAWAY
        up = np.where(fly_true[:, None], obs.up, up)
        m = y0[:, 6]
        g_eff = obs.grav  # gravity + frame + drag accelerations (everything but thrust)
        a_cmd = np.zeros_like(r)
        pw = ph == _POWERED
        if pw.any():
            cs = st.case[act[pw]]
            rf = st.pd_target[cs]
            vf = -s.sky_crane_speed_m_s * up[pw]
            tgo = powered.time_to_go(r[pw], vel[pw], rf, vf, up=up[pw], t_min_s=_TGO_MIN_S, t_max_s=120.0)
            a_cmd[pw] = powered.eguidance_acceleration(r[pw], vel[pw], rf, vf, tgo, g_eff[pw])
        # E-guidance with its time to go at the floor has a fixed point hovering vf tgo / 3 (0.25 m) above its aim
        # point, so an altitude bias beyond that would hover there until the propellant ran out: an approach at
        # the floor that no longer sinks at the sky-crane rate holds that rate instead (a nominal one still sinks
        # faster there and is unchanged)
        hold = (ph == _SKY_CRANE) | (ph == _HOVER)
        if pw.any():
            sink = -np.einsum("ij,ij->i", vel[pw], up[pw])
            hold[np.flatnonzero(pw)[(tgo <= _TGO_MIN_S) & (sink < s.sky_crane_speed_m_s)]] = True
        if hold.any():
            a_cmd[hold] = powered.sky_crane_acceleration(vel[hold], g_eff[hold], s.sky_crane_speed_m_s,
                                                         up=up[hold])
        thrust = a_cmd * m[:, None]
        mag = np.linalg.norm(thrust, axis=1)
        lo, hi = v.thrust_min_n, v.thrust_max_n
        scale = np.clip(mag, lo, hi) / np.maximum(mag, 1e-9)
        thrust *= scale[:, None]
        fly = ph == _FLYAWAY
        if fly.any():
            cs = st.case[act[fly]]
            az = st.flyaway_dir[cs]
            horiz = az - up[fly] * np.einsum("ij,ij->i", az, up[fly])[:, None]
            horiz /= np.maximum(np.linalg.norm(horiz, axis=1, keepdims=True), 1e-12)
            d = np.cos(s.flyaway_pitch_rad) * up[fly] + np.sin(s.flyaway_pitch_rad) * horiz
            thrust[fly] = d * (s.flyaway_throttle * hi)
        return thrust

    # ------------------------------------------------------------------ events

    def _apply(self, st: _State, bodies: np.ndarray, code: Ev, log: _Log) -> None:
        """Apply one event to the bodies it happened to (vectorised)."""
        s = self.cfg.sequence
        v = self.cfg.vehicle
        cs = st.case[bodies]
        veh = st.slot[bodies] == 0
        if code == Ev.IMPACT:
            self._log_events(log, st, bodies, Ev.IMPACT)
            st.phase[bodies] = _DONE
            vb = cs[veh]
            running = st.outcome[vb] == Outcome.RUNNING
            before_chute = np.isinf(st.t_deploy[vb])
            st.outcome[vb[running]] = np.where(before_chute[running], Outcome.PARACHUTE_NOT_DEPLOYED,
                                               Outcome.GROUND_IMPACT_BEFORE_TOUCHDOWN)
        elif code == Ev.SKIP_OUT:
            self._log_events(log, st, bodies, Ev.SKIP_OUT)
            st.phase[bodies] = _DONE
            st.outcome[cs] = Outcome.SKIP_OUT
        elif code == Ev.STOP_SPEED:
            self._log_events(log, st, bodies, Ev.STOP_SPEED)
            st.phase[bodies] = _DONE
            st.outcome[cs] = Outcome.STOPPED
        elif code == Ev.TIMEOUT:
            self._log_events(log, st, bodies, Ev.TIMEOUT)
            st.phase[bodies] = _DONE
            st.outcome[cs[veh & (st.outcome[cs] == Outcome.RUNNING)]] = Outcome.TIMEOUT
        elif code == Ev.SUFR:
            self._log_events(log, st, bodies, Ev.SUFR)
            st.phase[bodies] = _SUFR
            st.aero_id[bodies] = AERO_ZERO_ALPHA
            self._spawn_entry_balance_masses(st, bodies)
        elif code == Ev.PARACHUTE_DEPLOY:
            if v.n_ebm and s.sufr_speed_m_s <= 0:
                self._spawn_entry_balance_masses(st, bodies[st.phase[bodies] == _ENTRY])
            self._log_events(log, st, bodies, Ev.PARACHUTE_DEPLOY)
            st.phase[bodies] = _CHUTE
            st.aero_id[bodies] = AERO_ZERO_ALPHA
            st.t_deploy[cs] = st.t[bodies]
            st.t_line_stretch[cs] = st.t[bodies] + st.cases.line_stretch_delay_s[cs]
            obs = self._observe(st, bodies)
            st.deploy_mach[cs] = obs.mach
            st.deploy_q[cs] = obs.q
        elif code == Ev.HEAT_SHIELD_SEPARATION:
            self._log_events(log, st, bodies, Ev.HEAT_SHIELD_SEPARATION)
            st.phase[bodies] = _CHUTE_NO_HS
            hs = st.body_index(cs, v.slot_heat_shield)
            vel = st.y[bodies, 3:6]
            vhat = vel / np.linalg.norm(vel, axis=1, keepdims=True)
            m_hs = st.cases.heat_shield_mass_kg[cs]
            self._spawn(st, hs, st.y[bodies], st.t[bodies], m_hs, AERO_HEAT_SHIELD,
                        vhat * st.cases.hs_delta_v_m_s[cs][:, None])
            st.y[bodies, 6] -= m_hs
        elif code == Ev.BACKSHELL_SEPARATION:
            self._log_events(log, st, bodies, Ev.BACKSHELL_SEPARATION)
            st.phase[bodies] = _FREEFALL
            st.aero_id[bodies] = AERO_PDV
            st.t_mark[bodies] = st.t[bodies]
            bs = st.body_index(cs, v.slot_backshell)
            vel = st.y[bodies, 3:6]
            vhat = vel / np.linalg.norm(vel, axis=1, keepdims=True)
            m_bs = st.cases.backshell_mass_kg[cs]
            self._spawn(st, bs, st.y[bodies], st.t[bodies], m_bs, AERO_BACKSHELL,
                        -vhat * st.cases.backshell_delta_v_m_s[cs][:, None])
            st.y[bodies, 6] -= m_bs
            st.dry_mass[bodies] = v.descent_stage_dry_kg + v.rover_mass_kg
            st.prop_start[cs] = st.y[bodies, 6] - st.dry_mass[bodies]
            obs = self._observe(st, bodies)
            horiz = vel - obs.up * np.einsum("ij,ij->i", vel, obs.up)[:, None]
            st.flyaway_dir[cs] = horiz / np.maximum(np.linalg.norm(horiz, axis=1, keepdims=True), 1e-9)
        elif code == Ev.POWERED_DESCENT_START:
            self._log_events(log, st, bodies, Ev.POWERED_DESCENT_START)
            st.phase[bodies] = _POWERED
            st.pd_target[cs] = self._powered_target(st, bodies)
        elif code == Ev.SKY_CRANE_START:
            self._log_events(log, st, bodies, Ev.SKY_CRANE_START)
            st.phase[bodies] = _SKY_CRANE
        elif code == Ev.TOUCHDOWN:
            self._log_events(log, st, bodies, Ev.TOUCHDOWN)
            st.phase[bodies] = _DONE
            st.outcome[cs] = Outcome.LANDED
            ds = st.body_index(cs, v.slot_descent_stage)
            self._spawn(st, ds, st.y[bodies], st.t[bodies], st.y[bodies, 6] - v.rover_mass_kg,
                        AERO_DESCENT_STAGE, 0.0)
            st.phase[ds] = _HOVER
            st.t_mark[ds] = st.t[bodies]
            st.dry_mass[ds] = v.descent_stage_dry_kg
            st.prop_used[cs] = st.prop_start[cs] - (st.y[bodies, 6] - st.dry_mass[bodies])
        elif code == Ev.FLYAWAY:
            self._log_events(log, st, bodies, Ev.FLYAWAY)
            st.phase[bodies] = _FLYAWAY
            st.t_mark[bodies] = st.t[bodies]
        elif code == Ev.FLYAWAY_BURN_END:
            st.phase[bodies] = _BALLISTIC
            st.aero_id[bodies] = AERO_DESCENT_STAGE
        elif code == Ev.PROPELLANT_EXHAUSTED:
            self._log_events(log, st, bodies, Ev.PROPELLANT_EXHAUSTED)
            vb = cs[veh]
            st.outcome[vb[st.outcome[vb] == Outcome.RUNNING]] = Outcome.PROPELLANT_EXHAUSTED
            st.prop_used[vb] = st.prop_start[vb]  # the vehicle burnt all it had
            st.phase[bodies] = _BALLISTIC
        else:  # pragma: no cover - every armed event has a handler
            raise RuntimeError(f"no handler for event {code!r}")

    def _powered_target(self, st, bodies) -> np.ndarray:
        """Sky-crane start point: above the target, or as near as the divert limit allows."""
        s = self.cfg.sequence
        cs = st.case[bodies]
        site = self.cfg.site
        # aim 0.5 m below the sky-crane start height: the approach then crosses it at about 0.9 m/s, close to
        # the sky-crane speed, instead of closing on it asymptotically (E-guidance's time to go is floored)
        aim_agl = s.sky_crane_altitude_m - 0.5
        tgt = site.position_m(st.cases.target_lat_rad[cs], st.cases.target_lon_rad[cs], aim_agl)
        r = st.y[bodies, :3]
        nav = st.cases.nav_position_error_m[cs].copy()
        nav[:, 2] = 0.0  # the radar measures the altitude (see _descent_navigated)
        on = np.any(nav != 0.0, axis=1) & (not s.terrain_relative_navigation)
        if on.any():  # the aim point is chosen from where the vehicle believes it is
            r = np.where(on[:, None], navigated_state(r, r, nav, np.zeros_like(nav))[0], r)
        up = r / np.linalg.norm(r, axis=1, keepdims=True)
        d = tgt - r
        horiz = d - up * np.einsum("ij,ij->i", d, up)[:, None]
        dist = np.linalg.norm(horiz, axis=1)
        # a point straight below the vehicle at the sky-crane altitude, then the allowed share of the divert
        lat, lon = np.arcsin(up[:, 2]), np.arctan2(up[:, 1], up[:, 0])
        below = site.position_m(lat, lon, aim_agl)
        limit = st.cases.divert_limit_m[cs]
        frac = np.where(dist > limit, limit / np.maximum(dist, 1e-9), 1.0)
        return below + (tgt - below) * frac[:, None]

    def _spawn(self, st, bodies, y, t, mass, aero_id, dv) -> None:
        st.y[bodies] = y
        st.y[bodies, 3:6] += dv
        st.y[bodies, 6] = mass
        st.t[bodies] = t
        st.phase[bodies] = _BALLISTIC
        st.aero_id[bodies] = aero_id
        st.dry_mass[bodies] = 0.0

    def _spawn_entry_balance_masses(self, st, bodies) -> None:
        """Eject the entry balance masses in a fan normal to the velocity (directions are a model choice)."""
        v = self.cfg.vehicle
        if v.n_ebm == 0 or bodies.size == 0:
            return
        cs = st.case[bodies]
        m_ebm = st.cases.ebm_mass_kg[cs]
        dv_ebm = st.cases.ebm_delta_v_m_s[cs][:, None]
        vel = st.y[bodies, 3:6]
        r = st.y[bodies, :3]
        vhat = vel / np.linalg.norm(vel, axis=1, keepdims=True)
        side = np.cross(vhat, r)
        side /= np.linalg.norm(side, axis=1, keepdims=True)
        normal = np.cross(side, vhat)
        for k in range(v.n_ebm):  # loop over the (few) masses, vectorised over cases
            ang = 2 * np.pi * (k + 0.5) / v.n_ebm
            d = np.cos(ang) * side + np.sin(ang) * normal
            self._spawn(st, st.body_index(cs, 1 + v.n_cbm + k), st.y[bodies], st.t[bodies], m_ebm,
                        AERO_EBM, d * dv_ebm)
        st.y[bodies, 6] -= v.n_ebm * m_ebm

    def _spawn_cruise_balance_masses(self, st, cases, log) -> None:
        """Fly each vehicle back in vacuum to the CBM ejection time and release the masses there."""
        v = self.cfg.vehicle
        s = self.cfg.sequence
        vi = st.vehicle_index
        t_ej = s.cbm_eject_time_s
        y = st.y[vi].copy()
        t = st.t[vi].copy()
        n_steps = int(np.ceil(abs(t_ej) / self.cfg.steps.coast))
        h = np.full(vi.size, t_ej / n_steps)
        c = _Ctx.vacuum(vi.size)
        for _ in range(n_steps):
            y = self._rk4(t, y, h, c)
            t = t + h
        cs = st.case[vi]
        vel = y[:, 3:6]
        side = np.cross(vel, y[:, :3])
        side /= np.linalg.norm(side, axis=1, keepdims=True)
        for k in range(v.n_cbm):
            sign = 1.0 if k % 2 == 0 else -1.0
            b = st.body_index(cs, 1 + k)
            self._spawn(st, b, y, t, st.cases.cbm_mass_kg[cs], AERO_CBM, sign * side * s.cbm_delta_v_m_s)
        self._log_events(log, st, st.body_index(cs, 1), Ev.CRUISE_BALANCE_MASS_SEPARATION)

    # ------------------------------------------------------------------ bookkeeping

    def initial_observables(self, cases: CaseInputs) -> dict[str, np.ndarray]:
        """Drag acceleration, altitude rate, Mach, dynamic pressure and altitudes of each case's initial state."""
        st = _State.allocate(self, cases)
        if self.cfg.reference is None and np.any(cases.guided):
            i = int(np.flatnonzero(cases.guided)[0])
            raise MarsEDLError(f"cases.guided must be false without a reference trajectory (case {i} is guided)")
        if self._k is not None:
            self._check_rows(cases)
        obs = self._observe(st, st.vehicle_index)
        hdot = np.einsum("ij,ij->i", cases.y0[:, 3:6], obs.up)
        return {"drag": obs.drag, "hdot": hdot, "mach": obs.mach, "q": obs.q, "alt_agl": obs.alt_agl,
                "alt_mola": obs.alt_mola, "speed": obs.speed}

    def _observe(self, st, bodies) -> _Obs:
        c = self._context(st, bodies, st.t[bodies])
        _, obs = self._derivs_obs(st.t[bodies], st.y[bodies], c)
        return obs

    def _check_rows(self, cases: CaseInputs) -> None:
        """The kernels index the atmosphere grid directly: reject rows it does not hold (as its evaluate does)."""
        r = np.asarray(cases.atm_row)
        n_rows = self.cfg.atmosphere.n_rows
        if r.size and (r.min() < 0 or r.max() >= n_rows):
            bad = r.min() if r.min() < 0 else r.max()
            raise MarsEDLError(f"profile row {bad} is out of range 0..{n_rows - 1}")
        dp = cases.density_perturbation
        if dp is not None and dp.factors.shape[0] < cases.n:
            raise MarsEDLError(f"density_perturbation has {dp.factors.shape[0]} rows for {cases.n} cases")
        wp = cases.wind_perturbation
        if wp is not None and wp.offsets_m_s.shape[0] < cases.n:
            raise MarsEDLError(f"wind_perturbation has {wp.offsets_m_s.shape[0]} rows for {cases.n} cases")

    def _log_events(self, log, st, bodies, code) -> None:
        if bodies.size == 0:
            return
        obs = self._observe(st, bodies)
        log.add(st, bodies, code, obs)

    def _track_peaks(self, st, bodies, t, obs) -> None:
        veh = st.slot[bodies] == 0
        if not veh.any():
            return
        b = bodies[veh]
        cs = st.case[b]
        o = obs.take(veh)
        entry_like = (st.phase[b] >= _ENTRY) & (st.phase[b] <= _CHUTE_NO_HS)
        g = np.where(entry_like, o.aero_g, 0.0)
        better = g > st.peak_g[cs]
        st.peak_g[cs[better]] = g[better]
        st.peak_g_t[cs[better]] = t[veh][better]
        st.peak_q[cs] = np.maximum(st.peak_q[cs], np.where(entry_like, o.q, 0.0))
        heat = heating.sutton_graves_heat_rate_w_m2(o.rho, o.speed, self.cfg.vehicle.nose_radius_m)
        capsule = (st.phase[b] == _ENTRY) | (st.phase[b] == _SUFR)
        st.peak_heat[cs] = np.maximum(st.peak_heat[cs], np.where(capsule, heat, 0.0))
        chute = (st.phase[b] == _CHUTE) | (st.phase[b] == _CHUTE_NO_HS)
        if chute.any():  # the parachute's own drag: the load its risers carry
            st.peak_chute_load[cs] = np.maximum(st.peak_chute_load[cs], np.where(chute, o.canopy_force, 0.0))

    def _record(self, hist, st, bodies) -> None:
        if bodies.size == 0:
            return
        obs = self._observe(st, bodies)
        hist.add(st, bodies, obs)


