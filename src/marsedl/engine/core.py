"""The batched integrator: :class:`Engine` (the run loop around the compiled kernels, event location inside
the step, the event log and histories; what each event does is in :mod:`marsedl.engine.actions`). See
:mod:`marsedl.engine` for the model."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from marsedl import kernels
from marsedl.engine.actions import apply_event, armed_matrix, column_code, parts_table, spawn
from marsedl.engine.compiled import _KernelData
from marsedl.engine.config import (
    _CHUTE,
    _CHUTE_NO_HS,
    _ENTRY,
    _N_EV,
    _SUFR,
    CaseInputs,
    EngineConfig,
    EngineOutput,
    Ev,
)
from marsedl.engine.state import (
    _Ctx,
    _History,
    _Log,
    _Obs,
    _State,
)
from marsedl.errors import MarsEDLError, interrupt_in
from marsedl.guidance import triggers
from marsedl.vehicle import (
    AERO_CBM,
)

#: Steps a body free of per-step guidance may take in one kernel call (it stops earlier at its first event;
#: every body also has the timeout event, so this is only a bound).
_MAX_STEPS_PER_CALL = 1_000_000
_HISTORY_STEPS = 512  # steps per call of a recorded run (the size of its history buffer per body)
_MAX_CALLS = 2_000_000  # kernel calls of one run: a bound, never reached
_MIN_BODIES_PER_THREAD = 64  # below this a thread's start-up outweighs its share of the steps


class Engine:
    """The batched integrator. ``Engine(config).run(cases, record=False) -> EngineOutput``.

    Every law of motion, event function, trigger, guidance and thrust law is evaluated by the compiled kernels
    of :mod:`marsedl.kernels` (one implementation each); this class prepares their inputs, applies the events
    they find and collects the results.

    Parameters
    ----------
    config : EngineConfig
        Its atmosphere must be an :class:`~marsedl.atmosphere.AtmosphereGrid` (the kernels read a uniform
        altitude grid; :meth:`AtmosphereGrid.from_atmosphere` puts any model on one) and its entry-guidance
        parameters scalars.
    threads : int
        Threads that step the compiled kernels on disjoint slices of the bodies (the kernels release the GIL).
        Bodies are independent, so the results are identical for any count; a batch smaller than
        ``threads x 64`` bodies stays on one thread. Monte Carlo workers keep the default 1 (one process per core).
    """

    def __init__(self, config: EngineConfig, *, threads: int = 1):
        if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or not 1 <= threads <= 1024:
            raise MarsEDLError(f"threads must be an integer in 1..1024, got {threads!r}")
        self.threads = int(threads)
        self.cfg = config
        if config.sequence.trigger == "range":  # validate the boxes once (the kernels take them as numbers)
            triggers._box(config.sequence.mach_box, "range trigger mach_box")
            triggers._box(config.sequence.q_box_pa, "range trigger q_box")
        self._k = _KernelData.build(config)
        self.parts = parts_table(config.vehicle)  # what its events can release
        self.armed = armed_matrix(config)  # the events armed per phase, its preset's among them
        st_ = config.steps
        self._steps_arr = np.array([st_.entry, st_.parachute, st_.inflation, st_.powered, st_.ballistic, st_.coast,
                                    st_.coast_altitude_m,
                                    st_.ballistic if st_.ballistic_max is None else st_.ballistic_max])

    def _derivs_obs(self, t: np.ndarray, y: np.ndarray, c: _Ctx):
        """(dy/dt, observables) of the bodies of ``c`` at ``(t, y)``."""
        cf, ci = c.packed()
        dy, data = kernels.observe(t, y, cf, ci, self._k.world(c))
        return dy, _Obs(data)

    def _rk4(self, t, y, h, c):
        """One RK4 step of length ``h`` (per body) of the bodies of ``c``."""
        cf, ci = c.packed()
        return kernels.rk4(t, y, h, cf, ci, self._k.world(c))[0]

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
        self._check_rows(cases)
        st = _State.allocate(self.cfg, cases)
        log = _Log()
        # entry interface of every vehicle, at its own start time
        vi = st.vehicle_index
        self._log_events(log, st, vi, Ev.ENTRY_INTERFACE)
        if self.cfg.sequence.cbm_eject_time_s is not None and self.cfg.vehicle.n_cbm > 0:
            self._spawn_cruise_balance_masses(st, cases, log)
        hist = _History() if record else None
        if hist is not None:
            self._record(hist, st, np.flatnonzero(st.phase >= _ENTRY))
        pool = ThreadPoolExecutor(self.threads) if self.threads > 1 else None
        try:
            for _ in range(_MAX_CALLS):
                act = np.flatnonzero(st.phase >= _ENTRY)
                if act.size == 0:
                    break
                stopped = self._step(st, act, log, _MAX_STEPS_PER_CALL if hist is None else _HISTORY_STEPS, pool,
                                     hist)
                if hist is not None:  # (the kernels wrote the quiet steps; these rows are at an event or a stop)
                    self._record(hist, st, act[stopped])
            else:  # every body meets its timeout event first: reaching this is a bug, never a result
                raise RuntimeError(f"the engine stopped after {_MAX_CALLS:,} kernel calls with "
                                   f"{int(np.sum(st.phase >= _ENTRY))} bodies still flying")
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
                   "opening_load_estimate_n": self._opening_load(st),
                   "trn_divert_m": st.trn_divert, "trn_safe_spot": st.trn_safe},
            history=hist.table() if hist is not None else None,
            preset_events=self.cfg.preset_events,
        )

    def _opening_load(self, st: _State) -> np.ndarray:
        """Peak opening load estimate per case, N: C_x C_D(M) q S0 at the deploy point (NaN if not deployed).

        The engine's canopy grows monotonically to its steady drag area, so the flown peak parachute load is
        the steady drag q C_D S0; parachutes overshoot while they open. C_x is the canopy's opening-load factor
        (:class:`marsedl.aero.parachute.DiskGapBand`, derived from the ASPIRE tests: the peak force was 0.9–1.0
        q S0), applied to the case's own parachute C_D (its ``chute_cd_scale``).
        """
        k = self._k
        rows = np.zeros(st.deploy_mach.size, dtype=np.int64)
        cds = kernels.table_at_mach(k.chute_tab, rows, np.nan_to_num(st.deploy_mach), k.p) * st.cases.chute_cd_scale
        return self.cfg.vehicle.parachute.opening_load_factor * cds * st.deploy_q

    def _step(self, st: _State, act: np.ndarray, log: _Log, max_steps: int = 1,
              pool: ThreadPoolExecutor | None = None, hist: _History | None = None) -> np.ndarray:
        """Advance each active body of ``act`` by up to ``max_steps`` steps, stopping at its first event (the
        kernels guide the bank and the thrust, follow the vehicles' peaks and, with ``hist``, write the history
        rows of the quiet steps on the way), then apply the events found.

        Returns the mask of the bodies of ``act`` that stopped at an event or at a logged guidance event (their
        state after it is not in the kernels' rows)."""
        k = self._k
        t0 = st.t[act]
        y0 = st.y[act]
        c = self._context(st, act, t0)
        _, obs0 = self._derivs_obs(t0, y0, c)
        cf, ci = c.packed()
        ph = c.phase
        veh = st.slot[act] == 0
        cs = st.case[act]
        entry = veh & ((ph == _ENTRY) | (ph == _SUFR))
        if entry.any():
            self._pack_entry_guidance(st, cf, entry, cs[entry])
        steps_n = np.full(act.size, max_steps)
        pk = np.column_stack([st.peak_g[cs], st.peak_g_t[cs], st.peak_q[cs], st.peak_chute_load[cs],
                              st.peak_heat[cs]])
        out = kernels.advance_outputs(act.size)
        hb = np.empty((act.size, max_steps if hist is not None else 0, kernels.NH))
        hn = np.zeros(act.size, dtype=np.int64)
        args = ((t0, y0, obs0.data, steps_n, veh), cf, ci, k.world(c), (self.armed, self._steps_arr, k.gpar, k.ref),
                out, (pk, hb, hn))
        n_parts = min(self.threads, act.size // _MIN_BODIES_PER_THREAD) if pool is not None else 1
        if n_parts > 1:
            cuts = np.linspace(0, act.size, n_parts + 1).astype(int)
            jobs = [pool.submit(kernels.advance_steps, cuts[j], cuts[j + 1], *args) for j in range(n_parts)]
            for j in jobs:
                j.result()
        else:
            kernels.advance_steps(0, act.size, *args)
        t0, dt, y0, _, g0, y1, _, g1, has = out
        if hist is not None:
            hist.add_steps(st, act, hb, hn)
        if veh.any():
            tc = cs[veh]
            st.peak_g[tc], st.peak_g_t[tc], st.peak_q[tc], st.peak_chute_load[tc], st.peak_heat[tc] = pk[veh].T
        now = g0 <= 0.0
        cross = (g0 > 0.0) & (g1 <= 0.0)
        quiet = ~has
        qi = act[quiet]
        st.t[qi] = t0[quiet] + dt[quiet]
        st.y[qi] = y1[quiet]
        if entry.any():
            self._unpack_entry_guidance(st, act, cf, entry, cs[entry], log)
        stopped = has | (dt == 0.0)
        if not has.any():
            return stopped
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
            apply_event(self, st, bodies[mine], column_code(k), log)
        return stopped

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
        """Root of event column ``k`` inside the step of the bodies of ``c`` (:func:`marsedl.kernels.locate`:
        Illinois on partial RK4 steps). Returns the right end of the final bracket, where the event holds."""
        cf, ci = c.packed()
        return kernels.locate((t0, y0, dt, ga, gb), k, cf, ci, self._k.world(c), self.armed, iterations, tol_s)

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
            fired=st.fired[act],
        )

    # ------------------------------------------------------------------ events

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
            spawn(st, b, y, t, st.cases.cbm_mass_kg[cs], AERO_CBM, sign * side * s.cbm_delta_v_m_s)
        self._log_events(log, st, st.body_index(cs, 1), Ev.CRUISE_BALANCE_MASS_SEPARATION)

    # ------------------------------------------------------------------ bookkeeping

    def initial_observables(self, cases: CaseInputs) -> dict[str, np.ndarray]:
        """Drag acceleration, altitude rate, Mach, dynamic pressure and altitudes of each case's initial state."""
        st = _State.allocate(self.cfg, cases)
        if self.cfg.reference is None and np.any(cases.guided):
            i = int(np.flatnonzero(cases.guided)[0])
            raise MarsEDLError(f"cases.guided must be false without a reference trajectory (case {i} is guided)")
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

    def _record(self, hist, st, bodies) -> None:
        if bodies.size == 0:
            return
        obs = self._observe(st, bodies)
        hist.add(st, bodies, obs)


