"""Presets load, carry their published numbers, and bad input gets a one-line error naming the field."""

from __future__ import annotations

import pytest

from marsedl.errors import MarsEDLError
from marsedl.scenario import load_mission, preset_names, preset_text


def test_shipped_presets():
    assert {"mars2020", "msl"} <= set(preset_names())


@pytest.mark.parametrize("name", ["mars2020", "msl"])
def test_every_number_in_a_preset_has_a_source_comment(name):
    """Every numeric assignment in a shipped preset carries a comment (its source or 'M' for model choice)."""
    import re

    section = ""
    for line in preset_text(name).splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
            continue
        if re.match(r"^[a-z_0-9]+\s*=\s*[-\d\[]", stripped):
            assert "#" in stripped, f"{name} {section}: '{stripped}' has no source comment"


def test_mars2020_published_numbers():
    m = load_mission("mars2020")
    assert m.entry.speed_m_s == 5333.5 and m.entry.fpa_deg == -16.18  # W22
    assert (m.site.lat_deg, m.site.lon_deg) == (18.4447, 77.4508)  # press kit
    assert m.backshell.separation_altitude_agl_m == 2100.0
    assert m.entry_mass_kg == 3369.0  # E22
    assert m.parachute.trigger == "range"
    assert load_mission("msl").parachute.trigger == "velocity"


def test_override_changes_one_field():
    m = load_mission("mars2020", overrides=["parachute.trigger=velocity", "rover.mass_kg=1000"])
    assert m.parachute.trigger == "velocity"
    assert m.rover.mass_kg == 1000.0


@pytest.mark.parametrize(
    ("override", "names"),
    [
        ("rover.mass_kg=-5", "rover.mass_kg"),
        ("entry.fpa_deg=3", "entry.fpa_deg"),
        ("parachute.trigger=sideways", "parachute.trigger"),
        ("parachute.mach_box=[2.2, 1.4]", "parachute.mach_box"),
        ("heat_shield.colour=7", "heat_shield.colour"),
        ("vehicle.entry_mass_kg=100", "vehicle.entry_mass_kg"),
        ("entry.speed_m_s=fast", "entry.speed_m_s"),
    ],
)
def test_bad_overrides_name_the_field(override, names):
    with pytest.raises(MarsEDLError) as err:
        load_mission("mars2020", overrides=[override])
    msg = str(err.value)
    assert names.split(".")[-1] in msg
    assert "\n" not in msg


def test_missing_field_in_user_preset(tmp_path):
    text = preset_text("mars2020").replace("[rover]\nmass_kg = 1026.0", "[rover]")
    p = tmp_path / "mine.toml"
    p.write_text(text)
    with pytest.raises(MarsEDLError, match=r"rover\.mass_kg is missing"):
        load_mission(preset_file=p)


def test_unknown_preset_and_missing_file(tmp_path):
    with pytest.raises(MarsEDLError, match="unknown preset 'venus'"):
        load_mission("venus")
    with pytest.raises(MarsEDLError, match="does not exist"):
        load_mission(preset_file=tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = ")
    with pytest.raises(MarsEDLError, match="not valid TOML"):
        load_mission(preset_file=bad)


def test_a_preset_file_on_a_base_changes_only_what_it_names(tmp_path):
    """``base = "msl"`` then one key of one table: every other key of that table and every other table is the
    shipped preset's (a table merges key by key), and the result is the preset with that one field overridden."""
    p = tmp_path / "slow_crane.toml"
    p.write_text('base = "msl"\nname = "msl_slow"\n[sequence]\nsky_crane_speed_m_s = 0.5\n')
    mine = load_mission(preset_file=p)
    same = load_mission("msl", overrides=["sequence.sky_crane_speed_m_s=0.5", 'name="msl_slow"'])
    assert mine == same
    assert mine.sequence.sky_crane_speed_m_s == 0.5 and mine != load_mission("msl")


@pytest.mark.parametrize("base", ['"venus"', "3", '["mars2020"]'])
def test_a_base_that_is_not_a_shipped_preset_is_one_line(tmp_path, base):
    p = tmp_path / "x.toml"
    p.write_text(f"base = {base}\n")
    with pytest.raises(MarsEDLError, match="base must be a shipped preset") as err:
        load_mission(preset_file=p)
    assert "\n" not in str(err.value)
