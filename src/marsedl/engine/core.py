"""The batched integrator: :class:`Engine`, which prepares a run's arrays, has the compiled
:func:`marsedl.kernels.fly_cases` fly the cases (each whole: steps, events located inside the step and their
actions, guidance, spawned bodies, histories) in bounded calls on all its threads, and packages the results. See
:mod:`marsedl.engine` for the model."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from marsedl import kernels
from marsedl.engine import warm
from marsedl.engine.actions import action_table, armed_matrix, column_codes, part_arrays, part_values, parts_table
from marsedl.engine.compiled import _KernelData
from marsedl.engine.config import CaseInputs, EngineConfig, EngineOutput
from marsedl.engine.state import RunArrays, columns, rows_table
from marsedl.errors import MarsEDLError, interrupt_in
from marsedl.guidance import triggers

#: Steps a body may take between two of its events in one call of _steps1 (every body has the timeout event,
#: so this is only a bound)
_MAX_STEPS = 1_000_000
#: cases per compiled call and thread: a Ctrl-C is seen between calls (a compiled call cannot be interrupted)
_CASES_PER_CALL = 128
#: event log rows of one case (each event of each body: the timeline, bank reversals, impacts): a bound
_LOG_ROWS = 256
_HISTORY_ROWS = 2048  # history rows of one body per call at first (a recorded run flies again with more room)


def _records(n_cases: int, n_bodies: int, rows: int) -> tuple:
    """The flight's records ``rec``: an event log of ``_LOG_ROWS`` rows a case with its counts, and ``rows``
    history rows a body with theirs."""
    return (np.empty((n_cases, _LOG_ROWS, kernels.NL)), np.zeros(n_cases, dtype=np.int64),
            np.empty((n_bodies, rows, kernels.NH)), np.zeros(n_bodies, dtype=np.int64))


class Engine:
    """The batched integrator. ``Engine(config).run(cases, record=False) -> EngineOutput``.

    Every law of motion, event function, trigger, guidance and thrust law, and what each event does, is
    evaluated by the compiled kernels of :mod:`marsedl.kernels` (one implementation each); this class prepares
    their inputs and packages what they return.

    Parameters
    ----------
    config : EngineConfig
        Its atmosphere must be an :class:`~marsedl.atmosphere.AtmosphereGrid` (the kernels read a uniform
        altitude grid; :meth:`AtmosphereGrid.from_atmosphere` puts any model on one) and its entry-guidance
        parameters scalars.
    threads : int
        Threads that fly disjoint slices of the cases in the compiled code (it releases the GIL). Cases are
        independent, so the results are identical for any count; Monte Carlo workers keep the default 1 (one
        process per core).
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
        ops, nops = action_table(config)
        self._tab = (ops, nops, column_codes(), *part_arrays(self.parts), self._k.safe)

    # ------------------------------------------------------------------ the run

    def run(self, cases: CaseInputs, record: bool = False) -> EngineOutput:
        """Integrate every body of every case from entry interface until all have landed or stopped.

        Parameters
        ----------
        cases : CaseInputs
            Per-case inputs; ``cases.n`` cases are flown.
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

    def _arrays(self, cases: CaseInputs) -> RunArrays:
        """The run's arrays at entry interface (each vehicle at its start, every other body unborn: the compiled
        flight releases the cruise balance masses as a case starts)."""
        if self.cfg.reference is None and np.any(cases.guided):
            i = int(np.flatnonzero(cases.guided)[0])
            raise MarsEDLError(f"cases.guided must be false without a reference trajectory (case {i} is guided)")
        self._check_rows(cases)
        cases = cases.resolved(self.cfg)
        return RunArrays.allocate(self.cfg, cases, part_values(self.parts, cases))

    def _run(self, cases: CaseInputs, record: bool) -> EngineOutput:
        ra = self._arrays(cases)
        n, S = cases.n, self.cfg.vehicle.n_slots
        w = self._k.world(cases.density_perturbation, cases.wind_perturbation)
        seq = self._sequence()
        per_call = _CASES_PER_CALL * self.threads
        wk = self._work_rows(min(n, per_call), self._free_steps(cases))  # (reused call after call)
        events, hist = [], []
        pool = ThreadPoolExecutor(self.threads) if self.threads > 1 else None
        helper = warm.start()  # the first run of a new install: a second process compiles half the flight
        flown = False
        try:
            for lo in range(0, n, per_call):  # (a loop over bounded calls, not over cases: Ctrl-C between them)
                hi = min(lo + per_call, n)
                self._fly(ra, lo, hi, S, w, seq, wk, record, pool, events, hist)
            flown = True
        finally:
            warm.finish(helper, wait=flown)  # (an error or a Ctrl-C ends the helper at once)
            if pool is not None:
                pool.shutdown()
        res = ra.res
        peaks = {name: res[:, kernels.RES_PK + col] for name, col in (
            ("deceleration_g", kernels.PK_G), ("deceleration_time_s", kernels.PK_G_T),
            ("dynamic_pressure_pa", kernels.PK_Q))}
        peaks["heat_rate_w_cm2"] = res[:, kernels.RES_PK + kernels.PK_HEAT] / 1e4
        peaks["propellant_used_kg"] = res[:, kernels.RES_PROP_USED]
        peaks["deploy_mach"] = res[:, kernels.RES_DEPLOY_MACH]
        peaks["deploy_q_pa"] = res[:, kernels.RES_DEPLOY_Q]
        peaks["peak_parachute_load_n"] = res[:, kernels.RES_PK + kernels.PK_CHUTE_LOAD]
        peaks["opening_load_estimate_n"] = self._opening_load(res, cases)
        peaks["trn_divert_m"] = res[:, kernels.RES_TRN_DIVERT]
        peaks["trn_safe_spot"] = res[:, kernels.RES_TRN_SAFE]
        return EngineOutput(
            n_cases=n,
            body_names=self.cfg.vehicle.body_names,
            outcome=ra.outcome,
            events=columns(events),
            peaks=peaks,
            history=columns(hist, "phase") if record else None,
            preset_events=self.cfg.preset_events,
        )

    def _fly(self, ra: RunArrays, lo: int, hi: int, S: int, w, seq, wk, record: bool,
             pool: ThreadPoolExecutor | None, events: list, hist: list) -> None:
        """Cases ``lo:hi`` fly (on the pool's threads, in disjoint slices); their event rows and, for a recorded
        run, history rows are appended to ``events`` and ``hist``. A recorded run whose history outgrew its room
        flies again with twice the room (its start was kept)."""
        b0, b1 = lo * S, hi * S
        rows = _HISTORY_ROWS if record else 0
        bd, cs, _, _, _, rec, wb = args = self._call_args(ra, lo, hi, w, seq, wk, rows)
        args = (*args, kernels.body_address(*args))
        fx = wb[5]
        wb[4][:] = 0.0  # the vehicles' peak records, from nothing
        wb[4][:, kernels.PK_G_T] = np.nan
        written = (*bd, cs[1], cs[2], wb[4])  # what the flight writes (a second flight starts from a copy)
        start = [a.copy() for a in written] if record else []
        m = hi - lo
        parts = min(self.threads, m) if pool is not None else 1
        cuts = np.linspace(0, m, parts + 1).astype(int)
        while True:
            if fx is not None:
                fx[0][:] = 0.0  # no error-controlled step yet
            if parts > 1:
                jobs = [pool.submit(kernels.fly_cases, cuts[j], cuts[j + 1], *args) for j in range(parts)]
                bad = [j.result() for j in jobs]
            else:
                bad = [kernels.fly_cases(0, m, *args)]
            stuck = [c for c in bad if c >= 0]
            if stuck:  # every body meets its timeout event first: reaching this is a bug, never a result
                raise RuntimeError(f"case {lo + stuck[0]}: a body met more than {kernels.MAX_EVENTS_PER_BODY:,} "
                                   "events")
            log, nlog, hb, hn = rec
            if nlog.max(initial=0) > _LOG_ROWS:
                raise RuntimeError(f"case {lo + int(np.argmax(nlog))} logged {int(nlog.max())} events, more than "
                                   f"the engine's bound of {_LOG_ROWS} per case")
            if hn.max(initial=0) <= rows:
                break
            rows = 2 * int(hn.max())  # the history outgrew its room: these cases fly again from their start
            for a, a0 in zip(written, start, strict=True):
                a[...] = a0
            args = (*args[:5], _records(m, b1 - b0, rows), wb, args[7])
            rec = args[5]
        rl = log[np.arange(_LOG_ROWS)[None, :] < nlog[:, None]]  # (case by case, in the order written)
        events.append(rows_table(rl[:, kernels.L_CASE], rl[:, kernels.L_SLOT], rl[:, kernels.L_CODE],
                                 rl[:, kernels.L_H:]))
        if record:
            body = np.arange(b1 - b0).repeat(hn)
            h = hb[np.arange(rows)[None, :] < hn[:, None]]
            hist.append(rows_table(bd[3][body, kernels.CI_CASE], body % S, h[:, kernels.H_PHASE], h))

    def _sequence(self) -> tuple:
        """The run's ``seq`` of :func:`marsedl.kernels.fly_cases`: armed events, step sizes, guidance constants and
        reference."""
        return (self.armed, self._steps_arr, self._k.gpar, self._k.ref)

    def _free_steps(self, cases: CaseInputs) -> float | None:
        """The error-controlled steps' tolerance if some case's entry may take them (unguided, not planar), else
        None: the flight is then compiled without them (:mod:`marsedl.kernels.advance`)."""
        tol = self.cfg.steps.tolerance
        if tol is not None and np.any(~np.asarray(cases.guided, bool) & ~np.asarray(cases.planar, bool)):
            return float(tol)
        return None

    def _work_rows(self, n_cases: int, tolerance: float | None = None) -> tuple:
        """Work rows ``wk`` of :func:`marsedl.kernels.fly_cases` for the bodies of ``n_cases`` cases (with the
        error-controlled steps' work arrays for a ``tolerance``)."""
        m = n_cases * self.cfg.vehicle.n_slots
        fx = None
        if tolerance is not None:
            fx = (np.zeros((m, kernels.NFX)), np.empty((m, 8, 7)), np.empty((m, kernels.NOBS)), tolerance)
        return (np.empty((m, kernels.NOBS)), np.full(m, _MAX_STEPS), np.arange(m) % self.cfg.vehicle.n_slots == 0,
                kernels.advance_outputs(m), np.zeros((m, kernels.NPK)), fx)

    def _call_args(self, ra: RunArrays, lo: int, hi: int, w, seq, wk, rows: int) -> tuple:
        """The arguments of :func:`marsedl.kernels.fly_cases` after its case range for cases ``lo:hi`` (their rows of
        the run's arrays and of the work rows, an empty event log and room for ``rows`` history rows a body)."""
        S = self.cfg.vehicle.n_slots
        b0, b1 = lo * S, hi * S
        bd = (ra.t[b0:b1], ra.y[b0:b1], ra.cf[b0:b1], ra.ci[b0:b1])
        cs = (ra.cin[lo:hi], ra.res[lo:hi], ra.outcome[lo:hi], ra.parts[lo:hi])
        k = b1 - b0
        fx = None if wk[5] is None else (*(a[:k] for a in wk[5][:3]), wk[5][3])
        wb = tuple(a[:k] for a in wk[:3]) + (tuple(a[:k] for a in wk[3]), wk[4][:k], fx)
        return bd, cs, w, seq, self._tab, _records(hi - lo, k, rows), wb

    def compile_half(self) -> None:
        """Compile, without flying, about half of the case flight for the types of this engine's arguments
        (:func:`marsedl.kernels.compile_half`); the helper process of a new install's first run does it
        (:mod:`marsedl.engine.warm`)."""
        y0 = np.array([[self.cfg.planet.equatorial_radius_m + 125e3, 0.0, 0.0, 0.0, 5000.0, 0.0, 1000.0]])
        cases = CaseInputs.broadcast(  # one placeholder case: only the arrays' types matter
            1, y0=y0, bank0_rad=0.0, guided=False, planar=True, aim_range_m=0.0, range_trigger_m=0.0,
            velocity_trigger_m_s=0.0, stop_speed_m_s=0.0, cd_scale=1.0, cl_scale=1.0, chute_cd_scale=1.0,
            density_factor=1.0, atm_row=0, deploy_enabled=True, target_lat_rad=0.0, target_lon_rad=0.0,
            divert_limit_m=0.0)
        args = self._call_args(self._arrays(cases), 0, 1, self._k.world(), self._sequence(), self._work_rows(1), 0)
        kernels.compile_half(*args)

    def _opening_load(self, res: np.ndarray, cases: CaseInputs) -> np.ndarray:
        """Peak opening load estimate per case, N: C_x C_D(M) q S0 at the deploy point (NaN if not deployed).

        The engine's canopy grows monotonically to its steady drag area, so the flown peak parachute load is
        the steady drag q C_D S0; parachutes overshoot while they open. C_x is the canopy's opening-load factor
        (:class:`marsedl.aero.parachute.DiskGapBand`, derived from the ASPIRE tests: the peak force was 0.9–1.0
        q S0), applied to the case's own parachute C_D (its ``chute_cd_scale``).
        """
        k = self._k
        mach = res[:, kernels.RES_DEPLOY_MACH]
        rows = np.full(mach.size, k.chute_row, dtype=np.int64)
        cds = kernels.table_at_mach(k.tab, rows, np.nan_to_num(mach), k.p) * cases.chute_cd_scale
        return self.cfg.vehicle.parachute.opening_load_factor * cds * res[:, kernels.RES_DEPLOY_Q]

    # ------------------------------------------------------------------ bookkeeping

    def initial_observables(self, cases: CaseInputs) -> dict[str, np.ndarray]:
        """Drag acceleration, altitude rate, Mach, dynamic pressure and altitudes of each case's initial state."""
        ra = self._arrays(cases)
        S = self.cfg.vehicle.n_slots
        vi = np.arange(cases.n) * S
        obs = kernels.observe_bodies(vi, (ra.t, ra.y, ra.cf, ra.ci),
                                     self._k.world(cases.density_perturbation, cases.wind_perturbation))
        K = kernels
        up = obs[:, K.O_UP:K.O_UP + 3]
        hdot = np.einsum("ij,ij->i", cases.y0[:, 3:6], up)
        return {"drag": obs[:, K.O_DRAG], "hdot": hdot, "mach": obs[:, K.O_MACH], "q": obs[:, K.O_Q],
                "alt_agl": obs[:, K.O_ALT_AGL], "alt_mola": obs[:, K.O_ALT_MOLA], "speed": obs[:, K.O_SPEED]}

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
