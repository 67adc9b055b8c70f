"""A compiled function called through its address (marsedl.kernels.calls) does what a direct call does: its
arguments (a tuple of arrays among them) arrive whole, its writes land in the caller's arrays, its result comes
back; the flight's address of a body's event loop is the one compiled for the run's types."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit, typeof, types

from marsedl.kernels.calls import address, call_bool


@njit(no_cpython_wrapper=True)
def _scale(k, arrays, factor):
    a, b = arrays
    for j in range(a.shape[0]):
        a[j] = a[j] * factor + b[j, k]
    return a.sum() > 10.0


@njit
def _twice(addr, a, b):
    first = call_bool(addr, (0, (a, b), 2.0))
    second = call_bool(addr, (1, (a, b), 2.0))
    return first, second


def test_a_call_through_the_address_is_the_direct_call():
    a, b = np.array([1.0, 2.0, 3.0]), np.arange(6.0).reshape(3, 2)
    addr = address(_scale, (types.int64, typeof((a, b)), types.float64))
    assert addr > 0
    first, second = _twice(addr, a, b)
    # by hand: a*2 + b[:, 0] = [2, 6, 10] (sum 18 > 10), then *2 + b[:, 1] = [5, 15, 25]
    assert np.array_equal(a, [5.0, 15.0, 25.0])
    assert (first, second) == (True, True)
    a2 = np.array([0.0, 0.0, 0.0])
    assert _twice(addr, a2, np.zeros((3, 2))) == (False, False)


def test_the_body_address_follows_the_runs_types():
    from marsedl.engine import Engine
    from marsedl.flight import nominal_cases, prepare
    from marsedl.kernels import body_address
    from marsedl.kernels.case import _fly_body, _scratch

    setup = prepare("mars2020")
    eng = Engine(setup.config)
    eng.run(nominal_cases(setup))  # (compiles or loads the flight)
    cases = nominal_cases(setup)
    args = eng._call_args(eng._arrays(cases), 0, 1, eng._k.world(), eng._sequence(), eng._work_rows(1), 0)
    addr = body_address(*args)
    assert body_address(*args) == addr  # (remembered by the types: no second look-up)
    sig = tuple(typeof(a) for a in (0, *args[:7], _scratch.py_func()))
    cres = _fly_body.overloads[sig]
    assert addr == cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name)



@njit(no_cpython_wrapper=True)
def _checked(k, arrays, factor):
    if k < 0:
        raise ValueError("k must be >= 0")
    return _scale(k, arrays, factor)


@njit
def _once(addr, k, a, b):
    return call_bool(addr, (k, (a, b), 2.0))


def test_an_exception_in_the_callee_reaches_the_caller():
    a, b = np.ones(3), np.zeros((3, 2))
    addr = address(_checked, (types.int64, typeof((a, b)), types.float64))
    assert _once(addr, 0, a, b) is False  # (sum 6)
    with pytest.raises(ValueError, match="k must be >= 0"):
        _once(addr, -1, a, b)
