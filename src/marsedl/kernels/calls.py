"""A compiled function called through its address, so that its caller's machine code does not hold it.

Numba links the code of every function a compiled function calls into that function's own module, and LLVM
optimises and emits all of it again there. The case loop (:func:`marsedl.kernels.case.fly_cases`) calls a body's
event loop, which holds the whole flight: linked, the case loop's compile cost about as much as the body's again
(2-3 s of a new install's first run, and its machine code 2.3 times as long). Called through its address
(:func:`call_bool`), the body's event loop is compiled once, on its own, and the case loop no longer waits for it:
a new install's two compiling processes each take one (:mod:`marsedl.engine.warm`).

The address is an int64 that Python gets from the callee's compiled result for the exact argument types
(:func:`address`); the call follows numba's own calling convention, as its first-class functions do through their
``jit_addr``. It is a run-time value, never part of the caller's machine code, so the caller's on-disk cache stays
valid in any process.

Only the case loop calls this way: called so, a function gets its arguments as separate values (a tuple of arrays
becomes all their fields), and LLVM can no longer inline it into its caller. For the body's event loop, called once
per body, that costs nothing measurable; for the stepping loop, the event search and the event actions, called at
every event, it made the flight about 10 % slower (measured: 780-815 against 860-914 cases a second, one thread).
"""

from __future__ import annotations

from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


def _caller(restype):
    """An intrinsic ``call(addr, args)``: call the compiled function at ``addr`` (an int64 from :func:`address`)
    with the tuple ``args`` as its arguments; it returns ``restype``. An exception the callee raises is passed on."""

    @intrinsic
    def call(typingctx, addr, args):
        if not isinstance(addr, types.Integer) or not isinstance(args, types.BaseTuple):
            return None

        def codegen(context, builder, sig, llargs):
            argtys = tuple(args.types)
            vals = [builder.extract_value(llargs[1], k) for k in range(len(argtys))]
            fnty = context.call_conv.get_function_type(restype, argtys)
            fn = builder.inttoptr(llargs[0], fnty.as_pointer())
            status, res = context.call_conv.call_function(builder, fn, restype, argtys, vals)
            with cgutils.if_unlikely(builder, status.is_error):
                context.call_conv.return_status_propagate(builder, status)
            return res

        return restype(addr, args), codegen

    return call


#: call a compiled function that returns a boolean through its address: ``call_bool(addr, (arg0, arg1, ...))``
call_bool = _caller(types.boolean)


def address(dispatcher, argtypes: tuple) -> int:
    """The address of ``dispatcher``'s machine code for the argument types ``argtypes`` (compiled, or loaded from
    the on-disk cache, first). It stays valid while the dispatcher lives (a module's function: the process)."""
    argtypes = tuple(argtypes)
    dispatcher.compile(argtypes)
    cres = dispatcher.overloads[argtypes]
    addr = cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name)
    if not addr:
        raise RuntimeError(f"no machine code for {dispatcher.py_func.__name__}{argtypes}")
    return int(addr)
