"""The corpus's heavy members under a hard 1 GB memory limit: huge declared and real images, canopies of absurd
size, a giant Monte Carlo -n, huge --set numbers and oversized files.

They run in one child process whose address space is capped at 1 GiB (``RLIMIT_AS``; the compiled kernels load
under it, and none of these inputs reaches them): an input that tried to take more would fail there with a
``MemoryError``, said as an internal error, not the one-line refusal asserted here. The child also reports its
peak resident memory, asserted under 1 GB as a second measure.
"""

from __future__ import annotations

import json
import resource
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

LIMIT = 1 << 30

# the child runs each command line with the corpus's own runner (conftest.run_cli), then reports its peak memory
_CHILD = r"""
import json, resource, runpy, sys
run_cli = runpy.run_path(sys.argv[1])["run_cli"]
results = [run_cli(*argv) for argv in json.load(sys.stdin)]
print(json.dumps({"results": [{"code": r.code, "out": r.out[-3000:], "err": r.err[-3000:]} for r in results],
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _png(path: Path, width: int, height: int, rows: int | None = None) -> None:
    """An all-black RGB PNG of ``width`` x ``height`` with ``rows`` rows of data (all of them by default), its
    pixel data compressed in a stream (a 100 Mpx image without 300 MB in this process)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    z = zlib.compressobj(9)
    row = b"\0" * (3 * width + 1)
    raw = b"".join(z.compress(row) for _ in range(height if rows is None else rows)) + z.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


@pytest.fixture(scope="module")
def heavy(tmp_path_factory):
    f = tmp_path_factory.mktemp("heavy")
    _png(f / "declares_400mpx.png", 20_000, 20_000, rows=1)
    _png(f / "real_100mpx.png", 10_000, 10_000)
    _png(f / "real_60mpx.png", 8_000, 7_500)
    (f / "ten_thousand_rings.txt").write_text(("0" * 80 + "\n") * 10_000)
    (f / "two_megabytes.txt").write_text(("01" * 40 + "\n") * 26_000)
    (f / "twenty_megabytes.toml").write_bytes(b"# padding\n" * 2_000_000)
    cases = [
        (["chute", "read", f"{f}/declares_400mpx.png"], "declares_400mpx.png"),
        (["chute", "read", f"{f}/real_100mpx.png"], "real_100mpx.png"),
        (["chute", "read", f"{f}/real_60mpx.png"], "real_60mpx.png: no canopy found"),
        (["chute", "decode", f"{f}/ten_thousand_rings.txt"], "10,000 rings; a canopy has at most 8"),
        (["chute", "decode", f"{f}/two_megabytes.txt"], "two_megabytes.txt"),
        (["chute", "encode", "A", "--rings", "100000000"], "a canopy has at most 8"),
        (["chute", "encode", "A", "--gores", "1000000000"], "gores: 1,000,000,000 gores"),
        (["montecarlo", "-n", "1000000000000", "--out", f"{f}/giant"], "-n must be a whole number of cases from 1"),
        (["montecarlo", "-n", "10", "--chunk-size", "1000000000000"], "--chunk-size must be from 1"),
        (["simulate", "--set", "cruise_balance_masses.count=1000000000"], "cruise_balance_masses.count"),
        (["simulate", "--set", "integration.max_time_s=1e300"], "integration.max_time_s"),
        (["simulate", "--set", "entry_balance_masses.mass_kg=1e300"], "entry_balance_masses.mass_kg"),
        (["simulate", "--preset-file", f"{f}/twenty_megabytes.toml"], "20,000,000 bytes"),
        (["survey", "mars2020", "--base", "1e12,0"], "would take more than 200,000 flights"),
    ]
    runner = str(Path(__file__).with_name("conftest.py"))
    proc = subprocess.run([sys.executable, "-c", _CHILD, runner], input=json.dumps([a for a, _ in cases]),
                          capture_output=True, text=True, timeout=600, preexec_fn=_limit)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    return cases, report, f


def test_heavy_inputs_are_refused_in_one_line_under_a_1_gb_limit(heavy, refused):
    from .conftest import CliResult

    cases, report, _ = heavy
    for (_argv, needle), r in zip(cases, report["results"], strict=True):
        refused(CliResult(r["code"], r["out"], r["err"]), needle)


def test_the_heavy_inputs_peak_under_1_gb_resident(heavy):
    _, report, folder = heavy
    assert report["maxrss_kib"] * 1024 < LIMIT, report["maxrss_kib"]
    assert not (folder / "giant").exists()
