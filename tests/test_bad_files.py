"""Files that are not what they claim and options that would do nothing: one line naming the file or option,
exit 2, no traceback (issue 13's classes); a damaged cache is ignored and rebuilt."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest


def _run(*args, **kw):
    return subprocess.run([sys.executable, "-m", "marsedl", *args], capture_output=True, text=True, timeout=300,
                          **kw)


def _one_line(proc, needle):
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0], proc.stderr


@pytest.mark.parametrize(("content", "needle"), [
    (b"\xff\xfe\x00\x01binary", "is not UTF-8 text"),
    ("[mission]\nname = 'caf\u00e9'\n".encode("latin-1"), "is not UTF-8 text"),
    (b"[mission\nname = 1\n", "is not valid TOML"),
])
def test_a_preset_file_that_is_not_utf8_toml_is_named(tmp_path, content, needle):
    path = tmp_path / "my.toml"
    path.write_bytes(content)
    _one_line(_run("simulate", "--preset-file", str(path)), f"'{path}' {needle}" if "UTF-8" in needle else needle)


@pytest.mark.parametrize(("content", "needle"), [
    (b"\xff\xfe{}", "is not UTF-8 text"),
    (b'{"seed": 1', "is not valid JSON"),
    (b"[1, 2]", "is not a JSON object"),
])
def test_a_damaged_manifest_is_named(tmp_path, content, needle):
    (tmp_path / "manifest.json").write_bytes(content)
    _one_line(_run("summary", str(tmp_path)), needle)


def test_resume_without_out_is_refused():
    _one_line(_run("montecarlo", "mars2020", "-n", "10", "--resume"), "--resume finishes the run in --out")


def test_an_empty_message_is_refused():
    _one_line(_run("chute", "encode", ""), "MESSAGE is empty")


@pytest.mark.parametrize("value", ["inf", "nan", "-inf"])
def test_an_infinite_input_is_refused_by_the_schema(value):
    _one_line(_run("simulate", "mars2020", "--set", f"descent_stage.engine_thrust_max_n={value}"),
              "descent_stage.engine_thrust_max_n: Input should be a finite number")


def test_a_plan_cut_in_half_is_planned_again(tmp_path, monkeypatch):
    """A cached plan whose file was cut short (a crash while copying, a full disk) is ignored and replanned."""
    from marsedl.flight import build_config, cached_plan, plan_cache_dir
    from marsedl.scenario import load_mission

    monkeypatch.setenv("MARSEDL_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("MARSEDL_NO_CACHE", raising=False)
    mission = load_mission("msl")
    cfg, _ = build_config(mission)
    first, _ = cached_plan(mission, cfg)
    (path,) = plan_cache_dir().glob("*.npz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    again, hit = cached_plan(mission, cfg)
    assert not hit and (again.y0 == first.y0).all()


@pytest.mark.parametrize(("text", "needle"), [
    (("0" * 80 + "\n") * 10_000, "10,000 rings; a canopy has at most 8"),
    ("01" * 5_000 + "\n", "10,000 characters; a ring has at most 200 gores"),
], ids=["10000-rings", "10000-gores"])
def test_a_pattern_larger_than_any_canopy_is_refused_quickly(tmp_path, text, needle):
    """10,000 rings tried to allocate 12 GiB (23 GB measured before the bound); a ring of a million bits 7 TiB."""
    path = tmp_path / "pattern.txt"
    path.write_text(text)
    _one_line(_run("chute", "decode", str(path)), needle)


def test_an_absurd_ring_count_is_refused_before_anything_is_built():
    _one_line(_run("chute", "encode", "A", "--rings", "100000000"), "100,000,001 rings; a canopy has at most 8")


def test_the_largest_canopy_allowed_decodes_within_its_memory(tmp_path):
    """8 rings of 200 gores of random bits: the decoder's worst case stays far under 1 GB (295 MB measured)."""
    import resource

    rng = np.random.default_rng(1)
    path = tmp_path / "worst.txt"
    path.write_text("\n".join("".join(rng.choice(["0", "1"], 200)) for _ in range(8)) + "\n")
    proc = subprocess.run([sys.executable, "-c", "import resource, sys; from marsedl.cli import main; "
                           "sys.argv = ['marsedl', 'chute', 'decode', sys.argv[1], '--json']\n"
                           "try:\n    main()\nexcept SystemExit:\n    pass\n"
                           "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)",
                           str(path)], capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr
    assert int(proc.stderr.strip().splitlines()[-1]) < 1_000_000  # KiB
    assert resource.RLIMIT_AS  # (the corpus run of #13 will add a hard limit)


def test_a_failed_command_leaves_no_empty_folder(tmp_path):
    out = tmp_path / "plots" / "deeper"
    _one_line(_run("plot", "not_a_run", "-o", str(out)), "neither a preset")
    assert not (tmp_path / "plots").exists()


def test_resume_names_damaged_chunks_keeps_the_good_ones_and_repairs_the_run(tmp_path):
    """Two chunks damaged in two ways (cut in half, overwritten): summary names the first one in one line;
    --resume says which it flies again, leaves the good chunks' files untouched, and the run equals one never
    damaged, bit for bit."""
    import pandas as pd

    from marsedl.montecarlo import RunStore

    args = ["montecarlo", "mars2020", "-n", "40", "--chunk-size", "10", "--seed", "3", "--processes", "1",
            "--quiet", "--json"]
    good, bad = tmp_path / "good", tmp_path / "bad"
    for out in (good, bad):
        assert _run(*args, "--out", str(out)).returncode == 0
    c1, c2 = bad / "chunk-00001.parquet", bad / "chunk-00002.parquet"
    c1.write_bytes(c1.read_bytes()[: c1.stat().st_size // 2])
    c2.write_bytes(b"PAR1 not a parquet file PAR1")
    untouched = {p.name: p.read_bytes() for p in (bad / "chunk-00000.parquet", bad / "chunk-00003.parquet")}
    _one_line(_run("summary", str(bad)), "a Parquet chunk cannot be read: ")
    res = _run(*args, "--out", str(bad), "--resume")
    assert res.returncode == 0, res.stderr
    assert "chunk-00001.parquet was damaged" in res.stderr and "chunk-00002.parquet was damaged" in res.stderr
    for name, data in untouched.items():
        assert (bad / name).read_bytes() == data
    pd.testing.assert_frame_equal(RunStore(bad).read(), RunStore(good).read())


def test_an_entry_mass_dispersion_that_empties_the_tanks_is_refused(tmp_path):
    """--set dispersions.mass_kg=5000 flew entry masses thousands of kg below nominal and summarised them; every
    shed part keeps its mass, so the deviation lands in the descent's propellant: a draw beyond it is named."""
    out = tmp_path / "run"
    _one_line(_run("montecarlo", "mars2020", "-n", "20", "--processes", "1", "--quiet", "--out", str(out), "--set",
                   "dispersions.mass_kg=5000"), "dispersions.mass_kg draws deviations -41462")
    assert not out.exists()  # nothing flown, nothing left behind
