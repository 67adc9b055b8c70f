"""The compile options shared by the laws and the kernels."""

#: cache the machine code on disk; release the GIL (the engine steps bodies on threads); NumPy's error model
#: (a division by zero gives inf/nan as in NumPy, no exception)
JIT = {"cache": True, "nogil": True, "error_model": "numpy"}
#: scalar helpers never allocate: compiled without the reference-counting runtime, a call no longer counts
#: references (atomically) to each of its array arguments, which cost more than a derivative's arithmetic
LEAF = {**JIT, "_nrt": False}
