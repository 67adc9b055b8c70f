"""KML: parsed back (xml.etree and fastkml), coordinates match the run, ellipses have their size."""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from marsedl.errors import MarsEDLError
from marsedl.report import kml
from marsedl.survey import Target, plan_survey, to_local_en

NS = {"k": "http://www.opengis.net/kml/2.2"}


def _coords(text: str) -> np.ndarray:
    return np.array([[float(v) for v in c.split(",")] for c in text.split()])


@pytest.fixture(scope="module")
def written(nominal, tmp_path_factory):
    el = {"name": "landing", "semi_major_km": 5.0, "semi_minor_km": 2.0, "azimuth_deg": 30.0,
          "center_lat_deg": nominal.target_lat_deg, "center_lon_deg": nominal.target_lon_deg, "probability": 0.99}
    plan = plan_survey([Target("descent_stage", 120.0, -80.0)], max_sortie_m=625)
    path = kml.write(kml.nominal_kml(nominal, ellipses=[el], survey=plan), tmp_path_factory.mktemp("kml") / "run.kml")
    return path, el


def test_every_body_has_a_track_matching_its_history(nominal, written):
    root = ET.parse(written[0]).getroot()
    assert root.tag == "{http://www.opengis.net/kml/2.2}kml"
    doc = root.find("k:Document", NS)
    assert "Mars" in doc.find("k:description", NS).text and "planetocentric" in doc.find("k:description", NS).text
    folders = {f.find("k:name", NS).text: f for f in doc.findall("k:Folder", NS)}
    tracks = {pm.find("k:name", NS).text: _coords(pm.find(".//k:coordinates", NS).text)
              for pm in folders["Trajectories"].findall("k:Placemark", NS)}
    assert len(tracks) == len(nominal.body_names)
    df = nominal.to_dataframe()
    vh = df[df["body"] == "vehicle"].sort_values("time_s")[["lon_deg", "lat_deg", "altitude_mola_m"]]
    # a point repeated at once (the final "done" sample sits on touchdown; an event sample repeated to 1e-14 m)
    # is one vertex of the line
    vh = vh[np.r_[True, np.any(np.abs(np.diff(vh.to_numpy(), axis=0)) > 1e-9, axis=1)]]
    c = tracks["vehicle"]
    assert len(c) == len(vh)
    np.testing.assert_allclose(c[:, 1], vh["lat_deg"], atol=1e-9)
    np.testing.assert_allclose(c[:, 0], (vh["lon_deg"] + 180) % 360 - 180, atol=1e-9)
    np.testing.assert_allclose(c[:, 2], vh["altitude_mola_m"], atol=1e-6)
    assert folders["Trajectories"].find(".//k:altitudeMode", NS).text == "absolute"


def test_impacts_and_events_are_placemarks_at_their_coordinates(nominal, written):
    root = ET.parse(written[0]).getroot()
    folders = {f.find("k:name", NS).text: f for f in root.iter("{http://www.opengis.net/kml/2.2}Folder")}
    pts = [_coords(pm.find(".//k:coordinates", NS).text)[0] for pm in folders["Impacts"].findall("k:Placemark", NS)]
    assert len(pts) == len(nominal.impacts)
    for p, imp in zip(pts, nominal.impacts, strict=True):
        assert p[1] == pytest.approx(imp.lat_deg, abs=1e-9)
        assert p[0] == pytest.approx(imp.lon_deg, abs=1e-9)
    assert len(folders["Events"].findall("k:Placemark", NS)) == len(nominal.events)


def test_ellipse_polygon_has_its_axes(nominal, written):
    path, el = written
    root = ET.parse(path).getroot()
    folder = next(f for f in root.iter("{http://www.opengis.net/kml/2.2}Folder")
                  if f.find("k:name", NS).text == "Ellipses")
    ring = _coords(folder.find(".//k:outerBoundaryIs//k:coordinates", NS).text)
    np.testing.assert_allclose(ring[0], ring[-1])  # closed
    e, n = to_local_en(ring[:, 1], ring[:, 0], el["center_lat_deg"], el["center_lon_deg"], 3.39e6)
    r = np.hypot(e, n)
    assert r.max() == pytest.approx(5000.0, rel=2e-3)
    assert r.min() == pytest.approx(2000.0, rel=2e-3)
    # the farthest point lies along the azimuth (30 deg from north), either way
    k = int(np.argmax(r))
    assert np.degrees(np.arctan2(e[k], n[k])) % 180 == pytest.approx(30.0, abs=3.0)


def test_fastkml_reads_it_back(written):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastkml import KML

    k = KML.parse(written[0])
    doc = k.features[0]
    names = [f.name for f in doc.features]
    assert names[:4] == ["Trajectories", "Events", "Impacts", "Site"]
    assert any(n.startswith("Debris survey") for n in names)


def test_bad_kml_path_is_one_line(nominal, tmp_path):
    with pytest.raises(MarsEDLError, match=r"\.kml"):
        kml.write(kml.nominal_kml(nominal), tmp_path / "run.txt")
