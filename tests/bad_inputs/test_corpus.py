"""Issue 13's corpus: bad inputs across every command, each answered with one line naming what was wrong.

Each entry is the command line as a careless or unlucky user would type it (``{F}`` is a folder of bad files, made
once; ``{RUN}`` a good Monte Carlo run folder) and what the answer must name, as the user wrote it. Every entry
must give exit code 2, at most three lines, no traceback (see ``conftest.assert_refused``); none writes anything.
Heavy members (huge images, sizes, -n) run in ``test_heavy.py`` under a memory limit; damaged run folders in
``test_damaged_runs.py``.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from .conftest import MANIFEST_DAMAGE, SAVED_RUN_DAMAGE

LAT20N = "LAT20N.txt"


def _png(width: int, height: int, rows: int = 1) -> bytes:
    """A PNG declaring ``width`` x ``height`` RGB pixels with only ``rows`` rows of data (cut short)."""
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = zlib.compress(b"\0" * ((3 * width + 1) * rows))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    f = tmp_path_factory.mktemp("bad_files")
    (f / "folder").mkdir()
    (f / "wrong_types.toml").write_text('name = 5\n[site]\nlat_deg = "north"\n')
    (f / "junk.toml").write_text("junk = 1\n")
    (f / "binary.bin").write_bytes(b"\xff\xfe\x00\x01\x02binary\x00")
    (f / "bad_columns.csv").write_text("garbage,,\n1,2\n")
    (f / "empty.csv").write_text("")
    (f / "inf_density.csv").write_text("altitude_m,density_kg_m3,temperature_k\n0,1e400,200\n1000,0.01,200\n")
    (f / "flat.csv").write_text("altitude_m,density_kg_m3,temperature_k\n0,0.02,200\n0,0.01,200\n")
    (f / "not_marsgram.txt").write_text("not a Mars-GRAM file\n")
    (f / "ellipse_inf.json").write_text('[{"semi_major_km": 1e400, "semi_minor_km": 1, "azimuth_deg": 0, '
                                        '"center_lat_deg": 0, "center_lon_deg": 0}]')
    (f / "ellipse_text.json").write_text('[{"semi_major_km": 5, "semi_minor_km": "two", "azimuth_deg": 0, '
                                         '"center_lat_deg": 0, "center_lon_deg": 0}]')
    (f / "ellipse_keys.json").write_text('{"ellipses": [{"semi_major_km": 5}]}')
    (f / "photo.png").write_text("this is text, not a picture")
    (f / "cut.png").write_bytes(_png(64, 64, rows=64)[:60])
    (f / "a_file").write_text("x")
    body = ('kind = "body"\nname = "drop"\n[planet]\nname = "mars"\n[atmosphere]\nmodel = "exponential"\n'
            "[body]\nmass_kg = 10.0\nreference_area_m2 = 0.1\ncd = 1.0\n[initial]\nlat_deg = 18.0\nlon_deg = 77.0\n"
            "altitude_m = 10000.0\n[integration]\n")
    (f / "body_tiny_step.toml").write_text(body + "dt_s = 1e-300\n")
    (f / "body_heavy.toml").write_text(body.replace("mass_kg = 10.0", "mass_kg = 1e300"))
    (f / "body_planet.toml").write_text(body.replace('name = "mars"', 'name = "vulcan"'))
    return f


#: (id, argv, what the answer names). ``{F}``: the bad files; ``{RUN}``: a good run folder.
CORPUS = [
    # ---- simulate: presets, files, --set values, atmospheres, outputs
    ("unknown-preset", ["simulate", "nosuch"], "unknown preset 'nosuch'"),
    ("missing-preset-file", ["simulate", "--preset-file", "{F}/none.toml"], "'{F}/none.toml' does not exist"),
    ("preset-file-folder", ["simulate", "--preset-file", "{F}/folder"], "'{F}/folder' is a folder"),
    ("preset-binary-named-toml", ["simulate", "--preset-file", "{F}/binary.bin"], "'{F}/binary.bin' is not UTF-8"),
    ("preset-wrong-types", ["simulate", "--preset-file", "{F}/wrong_types.toml"], "name: Input should be a valid str"),
    ("preset-unknown-key", ["simulate", "--preset-file", "{F}/junk.toml"], "junk is not a known field"),
    ("set-1e400", ["simulate", "--set", "rover.mass_kg=1e400"], "rover.mass_kg: Input should be a finite number"),
    ("set-huge-mass", ["simulate", "--set", "rover.mass_kg=1e12"], "rover.mass_kg: Input should be less than or equal"
                                                                  " to 100000 (allowed (0, 100000])"),
    ("set-negative-mass", ["simulate", "--set", "rover.mass_kg=-5"], "rover.mass_kg: Input should be greater than 0"),
    ("set-text-mass", ["simulate", "--set", 'rover.mass_kg="heavy"'], "rover.mass_kg: Input should be a valid number"),
    ("set-list-mass", ["simulate", "--set", "rover.mass_kg=[1, 2]"], "rover.mass_kg: Input should be a valid number"),
    ("set-section-value", ["simulate", "--set", "rover=5"], "rover: Input should be a valid dictionary"),
    ("set-huge-thrust", ["simulate", "--set", "descent_stage.engine_thrust_max_n=1e30"],
     "descent_stage.engine_thrust_max_n: Input should be less than or equal to 10000000"),
    ("set-tiny-aeroshell", ["simulate", "--set", "aeroshell.diameter_m=1e-300"], "aeroshell.diameter_m"),
    ("set-huge-drag-area", ["simulate", "--set", "descent_stage.cd_area_m2=1e12"], "descent_stage.cd_area_m2"),
    ("set-unknown-field", ["simulate", "--set", "foo.bar=1"], "foo is not a known field"),
    ("set-no-equals", ["simulate", "--set", "novalue"], "override 'novalue'"),
    ("set-no-name", ["simulate", "--set", "=3"], "override '=3' has no field name"),
    ("set-bad-choice", ["simulate", "--set", "parachute.trigger=sideways"], "parachute.trigger"),
    ("set-box-reversed", ["simulate", "--set", "parachute.mach_box=[2, 1]"], "parachute.mach_box"),
    ("set-box-short", ["simulate", "--set", "parachute.mach_box=[1]"], "parachute.mach_box"),
    ("set-q-box-huge", ["simulate", "--set", "parachute.q_box_pa=[0, 1e300]"], "parachute.q_box_pa"),
    ("set-corridor-huge", ["simulate", "--set", "guidance.corridor_m=[1e308, 0, 0]"], "guidance.corridor_m.0"),
    ("set-step-tiny", ["simulate", "--set", "integration.dt_entry_s=1e-300"], "integration.dt_entry_s"),
    ("set-step-tolerance-negative", ["simulate", "--set", "integration.step_tolerance_m=-1"],
     "integration.step_tolerance_m: Input should be greater than or equal to 0 (allowed [0, 1000])"),
    ("set-step-tolerance-tiny", ["simulate", "--no-guidance", "--set", "integration.step_tolerance_m=1e-300"],
     "integration.step_tolerance_m: must be 0 (fixed steps) or at least 1e-06 m"),
    ("set-powered-method", ["simulate", "--set", "integration.powered_method=euler"],
     "integration.powered_method: Input should be 'midpoint' or 'rk4'"),
    ("set-eject-aeons", ["simulate", "--set", "cruise_balance_masses.eject_time_s=-1e12"],
     "cruise_balance_masses.eject_time_s"),
    ("set-burn-forever", ["simulate", "--set", "sequence.flyaway_burn_s=1e9"], "sequence.flyaway_burn_s"),
    ("set-pushoff-huge", ["simulate", "--set", "heat_shield.delta_v_m_s=1e9"], "heat_shield.delta_v_m_s"),
    ("set-range-negative", ["simulate", "--set", "parachute.range_trigger_m=-5"],
     "parachute.range_trigger_m: Input should be greater than or equal to 0"),
    ("set-nan", ["simulate", "--set", "entry.speed_m_s=nan"], "entry.speed_m_s: Input should be a finite number"),
    ("set-latitude", ["simulate", "--set", "site.lat_deg=91"], "site.lat_deg"),
    ("set-entry-time", ["simulate", "--set", "entry.time_utc=yesterday"], "entry.time_utc: 'yesterday'"),
    ("atmosphere-unknown", ["simulate", "--atmosphere", "nosuch"], "unknown atmosphere 'nosuch'"),
    ("atmosphere-missing", ["simulate", "--atmosphere", "{F}/none.csv"], "{F}/none.csv"),
    ("atmosphere-bad-columns", ["simulate", "--atmosphere", "{F}/bad_columns.csv"], "unknown column 'garbage'"),
    ("atmosphere-empty", ["simulate", "--atmosphere", "{F}/empty.csv"], "{F}/empty.csv: no header line"),
    ("atmosphere-inf", ["simulate", "--atmosphere", "{F}/inf_density.csv"], "density row 0 is inf"),
    ("atmosphere-flat", ["simulate", "--atmosphere", "{F}/flat.csv"], "altitude must increase"),
    ("atmosphere-not-marsgram", ["simulate", "--atmosphere", "{F}/not_marsgram.txt"], "{F}/not_marsgram.txt"),
    ("atmosphere-binary", ["simulate", "--atmosphere", "{F}/binary.bin"], "{F}/binary.bin"),
    ("out-suffix", ["simulate", "--out", "{F}/run.txt"], "--out '{F}/run.txt'"),
    ("out-unwritable", ["simulate", "--out", "{F}/a_file/run.csv"], "--out '{F}/a_file/run.csv' cannot be written"),
    ("unknown-option", ["simulate", "--bogus"], "No such option: --bogus"),
    ("body-tiny-step", ["simulate", "--preset-file", "{F}/body_tiny_step.toml"], "integration.dt_s"),
    ("body-heavy", ["simulate", "--preset-file", "{F}/body_heavy.toml"], "body.mass_kg"),
    ("body-planet", ["simulate", "--preset-file", "{F}/body_planet.toml"], "vulcan"),
    ("body-in-montecarlo", ["montecarlo", "-n", "5", "--preset-file", "{F}/body_heavy.toml"], "kind = 'body'"),
    # ---- montecarlo: sizes, options, dispersions, output folders
    ("mc-n-zero", ["montecarlo", "-n", "0"], "-n must be a whole number of cases from 1 to 10,000,000; got 0"),
    ("mc-n-text", ["montecarlo", "-n", "many"], "Invalid value for '-n'"),
    ("mc-chunk-zero", ["montecarlo", "-n", "5", "--chunk-size", "0"], "--chunk-size must be from 1"),
    ("mc-chunk-huge", ["montecarlo", "-n", "5", "--chunk-size", "1000000000000"], "--chunk-size must be from 1"),
    ("mc-processes-zero", ["montecarlo", "-n", "5", "--processes", "0"], "--processes must be from 1 to 1024"),
    ("mc-scheduler", ["montecarlo", "-n", "5", "--scheduler", "garbage"], "--scheduler 'garbage'"),
    ("mc-processes-and-workers", ["montecarlo", "-n", "5", "--workers", "2", "--processes", "2"],
     "--processes runs local processes; with --workers"),
    ("mc-workers-and-scheduler", ["montecarlo", "-n", "5", "--workers", "2", "--scheduler", "tcp://a:1"],
     "not both"),
    ("survey-kml-suffix", ["survey", "mars2020", "--kml", "{F}/plan.txt"], "{F}/plan.txt"),
    ("survey-plot-suffix", ["survey", "mars2020", "--plot", "{F}/plan.gif"], "{F}/plan.gif"),
    ("encode-band-twice", ["chute", "encode", "A", "--no-band", "--coords", "1,2"], "--coords and --no-band"),
    ("mc-probability", ["montecarlo", "-n", "5", "--probability", "1.5"], "--probability must be between 0 and 1"),
    ("mc-ellipse", ["montecarlo", "-n", "5", "--ellipse", "round"], "--ellipse 'round'"),
    ("mc-until", ["montecarlo", "-n", "5", "--until", "axes:0%"], "--until 'axes:0%'"),
    ("mc-seed", ["montecarlo", "-n", "5", "--seed", "-1"], "--seed must be a whole number from 0"),
    ("mc-fpa-50", ["montecarlo", "-n", "5", "--set", "dispersions.fpa_deg=50"],
     "dispersions.fpa_deg draws deviations -414.62 .. +414.62 deg"),
    ("mc-speed", ["montecarlo", "-n", "5", "--set", "dispersions.speed_m_s=1e6"], "entry.speed_m_s (nominal 5333.5)"),
    ("mc-velocity-trigger", ["montecarlo", "-n", "5", "--set", "dispersions.velocity_trigger_m_s=1e4"],
     "parachute.velocity_trigger_m_s"),
    ("mc-range-trigger", ["montecarlo", "-n", "5", "--set", "dispersions.range_trigger_m=1e9"],
     "parachute.range_trigger_m"),
    ("mc-downrange", ["montecarlo", "-n", "5", "--set", "dispersions.downrange_km=1e9"], "dispersions.downrange_km"),
    ("mc-density-uniform", ["montecarlo", "-n", "5", "--set",
                            'dispersions.density_rel={dist="uniform", half_width=0.99}'],
     "dispersions.density_rel draws deviations -0.99 .. +0.99"),
    ("mc-cd-wide", ["montecarlo", "-n", "5", "--set", "dispersions.cd_rel=0.5"], "aeroshell.cd_scale"),
    ("mc-hardware-mass", ["montecarlo", "-n", "5", "--set", "dispersions.heat_shield_mass_kg=1e6"],
     "heat_shield.mass_kg (nominal 440)"),
    ("mc-disp-unknown", ["montecarlo", "-n", "5", "--set", "dispersions.foo=1"], "dispersions.foo"),
    ("mc-disp-kind", ["montecarlo", "-n", "5", "--set", "dispersions.fpa_deg.dist=cauchy"], "dispersions.fpa_deg.dist"),
    ("mc-disp-inf", ["montecarlo", "-n", "5", "--set", "dispersions.mass_kg=1e400"], "dispersions.mass_kg.sigma"),
    ("mc-marsgram-missing", ["montecarlo", "-n", "5", "--set", 'dispersions.marsgram_file="{F}/none.txt"'],
     "dispersions.marsgram_file '{F}/none.txt' does not exist"),
    ("mc-marsgram-garbage", ["montecarlo", "-n", "5", "--set", 'dispersions.marsgram_file="{F}/binary.bin"'],
     "{F}/binary.bin"),
    ("mc-covariance", ["montecarlo", "-n", "5", "--set", "dispersions.fpa_deg=0", "--set",
                       'dispersions.entry_covariance={fields=["fpa_deg"], matrix=[[-1]]}'], "positive semi-definite"),
    ("mc-resume-nothing", ["montecarlo", "-n", "5", "--resume", "--out", "{F}/folder"], "holds no manifest.json"),
    ("mc-out-file", ["montecarlo", "-n", "5", "--out", "{F}/a_file"], "--out '{F}/a_file' is a file"),
    ("mc-out-used", ["montecarlo", "-n", "5", "--out", "{RUN}"], "--out '{RUN}' is not empty"),
    ("mc-resume-other-seed", ["montecarlo", "-n", "40", "--seed", "4", "--resume", "--out", "{RUN}"],
     "--resume: seed 4 differs"),
    # ---- summary, report, plot, kml, survey
    ("summary-missing", ["summary", "{F}/none"], "'{F}/none' is not a Monte Carlo run folder"),
    ("summary-file", ["summary", "{F}/a_file"], "'{F}/a_file' is not a Monte Carlo run folder"),
    ("summary-probability", ["summary", "{RUN}", "--probability", "2"], "--probability must be between 0 and 1"),
    ("report-unknown", ["report", "nosuch", "-o", "{F}/r.html"], "RUN 'nosuch'"),
    ("report-suffix", ["report", "mars2020", "-o", "{F}/r.txt"], "--out '{F}/r.txt'"),
    ("plot-format", ["plot", "mars2020", "--format", "gif", "-o", "{F}/plots"], "--format 'gif'"),
    ("plot-into-file", ["plot", "mars2020", "-o", "{F}/a_file"], "--out-dir '{F}/a_file' is a file"),
    ("kml-suffix", ["kml", "mars2020", "-o", "{F}/k.kmz"], "--out '{F}/k.kmz'"),
    ("kml-ellipses-missing", ["kml", "mars2020", "--ellipses", "{F}/none.json", "-o", "{F}/k.kml"],
     "--ellipses '{F}/none.json'"),
    ("kml-ellipses-inf", ["kml", "mars2020", "--ellipses", "{F}/ellipse_inf.json", "-o", "{F}/k.kml"],
     "ellipse 1 semi_major_km = inf"),
    ("kml-ellipses-text", ["kml", "mars2020", "--ellipses", "{F}/ellipse_text.json", "-o", "{F}/k.kml"],
     "ellipse 1 semi_minor_km = 'two'"),
    ("kml-ellipses-keys", ["kml", "mars2020", "--ellipses", "{F}/ellipse_keys.json", "-o", "{F}/k.kml"],
     "--ellipses '{F}/ellipse_keys.json': expected a list"),
    ("kml-ellipses-binary", ["kml", "mars2020", "--ellipses", "{F}/binary.bin", "-o", "{F}/k.kml"],
     "--ellipses '{F}/binary.bin'"),
    ("survey-altitude-nan", ["survey", "mars2020", "--altitude", "nan"], "altitude_m = nan"),
    ("survey-fov", ["survey", "mars2020", "--camera-fov", "180"], "fov_deg = 180"),
    ("survey-sortie-tiny", ["survey", "mars2020", "--max-sortie-m", "0.001"], "max_sortie_m = 0.001"),
    ("survey-base-text", ["survey", "mars2020", "--base", "here"], "--base 'here'"),
    ("survey-base-far", ["survey", "mars2020", "--base", "1e12,0"], "max_sortie_m = 625 m"),
    ("survey-flights", ["survey", "mars2020", "--max-flights", "0"], "--max-flights 0"),
    # ---- chute encode / decode / read
    ("encode-rings-zero", ["chute", "encode", "A", "--rings", "0"], "0 disk rings"),
    ("encode-gores", ["chute", "encode", "A", "--gores", "7"], "gores: 7 gores"),
    ("encode-coords-text", ["chute", "encode", "A", "--coords", "garbage"], "in 'garbage'"),
    ("encode-coords-range", ["chute", "encode", "A", "--coords", "91N 0E"], "latitude degrees: 91"),
    ("encode-output-suffix", ["chute", "encode", "A", "-o", "{F}/c.gif"], "{F}/c.gif: unsupported suffix '.gif'"),
    ("encode-view", ["chute", "encode", "A", "--view", "sideways", "-o", "{F}/c.svg"], "'sideways'"),
    ("encode-umlaut", ["chute", "encode", "D\u00c4RE"], "character '\u00c4' at position 2"),
    ("encode-million", ["chute", "encode", "A" * 1_000_000], "(1,000,000 characters)"),
    ("decode-missing", ["chute", "decode", "{F}/none.txt"], "{F}/none.txt: no such file"),
    ("decode-binary", ["chute", "decode", "{F}/binary.bin"], "'{F}/binary.bin' is not UTF-8 text"),
    ("decode-letters", ["chute", "decode", "--bits", "abc"], "character 'a' is not 0"),
    ("decode-ragged", ["chute", "decode", "--bits", "0" * 80, "--bits", "1" * 70], "ring 2: 70 gores"),
    ("read-missing", ["chute", "read", "{F}/none.png"], "photo '{F}/none.png' does not exist"),
    ("read-text-as-png", ["chute", "read", "{F}/photo.png"], "photo '{F}/photo.png' is not an image Pillow can read"),
    ("read-cut-png", ["chute", "read", "{F}/cut.png"], "{F}/cut.png"),
    ("read-rings", ["chute", "read", "{F}/photo.png", "--rings", "0"], "rings: 0"),
    ("read-gores", ["chute", "read", "{F}/photo.png", "--gores", "0"], "gores: 0"),
    # ---- the command line itself
    ("extra-argument", ["presets", "extra"], "unexpected extra argument"),
    ("unknown-command", ["launch"], "No such command 'launch'"),
    ("unknown-subcommand", ["cache", "empty"], "No such command 'empty'"),
]


def _fill(text: str, files: Path, run: Path) -> str:
    return text.replace("{F}", str(files)).replace("{RUN}", str(run))


@pytest.mark.parametrize(("argv", "needle"), [pytest.param(a, n, id=i) for i, a, n in CORPUS])
def test_a_bad_input_is_one_line_naming_it(cli, refused, files, good_run, argv, needle):
    before = sorted(p.name for p in files.iterdir())
    refused(cli(*(_fill(a, files, good_run) for a in argv)), _fill(needle, files, good_run))
    assert sorted(p.name for p in files.iterdir()) == before  # nothing written beside the bad files


@pytest.mark.parametrize("kind", list(MANIFEST_DAMAGE))
@pytest.mark.parametrize("command", ["summary", "report", "plot"])
def test_a_damaged_manifest_is_named_by_every_command(cli, refused, damaged_manifests, tmp_path, kind, command):
    """(``--resume`` rebuilds it: test_damaged_runs.py.)"""
    run = damaged_manifests[kind]
    argv = {"summary": ["summary", str(run)],
            "report": ["report", str(run), "-o", str(tmp_path / "r.html")],
            "plot": ["plot", str(run), "-o", str(tmp_path / "r")]}[command]
    refused(cli(*argv), MANIFEST_DAMAGE[kind][1])
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("kind", list(SAVED_RUN_DAMAGE))
@pytest.mark.parametrize("command", ["report", "kml", "plot", "survey"])
def test_a_damaged_saved_run_is_named_by_every_command(cli, refused, damaged_saved_runs, tmp_path, kind, command):
    run = damaged_saved_runs[kind]
    out = {"report": ["-o", str(tmp_path / "r.html")], "kml": ["-o", str(tmp_path / "r.kml")],
           "plot": ["-o", str(tmp_path / "p")], "survey": []}[command]
    result = cli(command, str(run), *out)
    refused(result, SAVED_RUN_DAMAGE[kind][1])
    assert run.name in result.err
    assert not list(tmp_path.iterdir())


def test_the_corpus_covers_every_command_and_at_least_sixty_inputs():
    commands = {tuple(a[:2]) if a[0] == "chute" else (a[0],) for _, a, _ in CORPUS}
    for c in (("simulate",), ("montecarlo",), ("summary",), ("report",), ("plot",), ("kml",), ("survey",),
              ("chute", "encode"), ("chute", "decode"), ("chute", "read"), ("presets",)):
        assert c in commands
    assert len(CORPUS) + 3 * len(MANIFEST_DAMAGE) >= 60
    assert len({i for i, _, _ in CORPUS}) == len(CORPUS)
