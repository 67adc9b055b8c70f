"""KML of a run for Google Earth's Mars mode, written with fastkml (a maintained KML library).

Coordinates are planetocentric latitude and east longitude on Mars (degrees, longitude wrapped to
[-180, 180)); altitudes are metres above the MOLA areoid (``altitudeMode`` absolute), as Google Earth's Mars
mode uses MOLA elevations. The file says so in its description.
"""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from marsedl import __version__
from marsedl.errors import MarsEDLError
from marsedl.report.common import body_colour, containment_text, event_label, pretty, site_frame, tracks
from marsedl.survey import ellipse_boundary, from_local_en

with warnings.catch_warnings():  # fastkml warns once that lxml (pretty printing only) is not installed
    warnings.simplefilter("ignore")
    import pygeoif.geometry as geo
    from fastkml import KML, Document, Folder, Placemark, styles
    from fastkml.enums import AltitudeMode
    from fastkml.geometry import LinearRing, LineString, OuterBoundaryIs, Point, Polygon

KML_NS = "http://www.opengis.net/kml/2.2"
NOTE = ("For Google Earth's Mars mode: planetocentric latitude and east longitude on Mars (degrees); "
        "altitudes in metres above the MOLA areoid. Written by marsedl {version}.")


def _lon180(lon_deg: Any) -> np.ndarray:
    return (np.asarray(lon_deg, dtype=float) + 180.0) % 360.0 - 180.0


def _kml_colour(hex_rgb: str, alpha: int = 255) -> str:
    """``#rrggbb`` → KML's ``aabbggrr``."""
    h = hex_rgb.lstrip("#")
    return f"{alpha:02x}{h[4:6]}{h[2:4]}{h[0:2]}".lower()


def _style(sid: str, colour: str, *, width: float = 2.0, fill_alpha: int = 0) -> styles.Style:
    parts: list[Any] = [styles.LineStyle(color=_kml_colour(colour), width=width)]
    if fill_alpha:
        parts.append(styles.PolyStyle(color=_kml_colour(colour, fill_alpha), fill=True, outline=True))
    else:
        parts.append(styles.PolyStyle(fill=False, outline=True))
    parts.append(styles.IconStyle(color=_kml_colour(colour)))
    return styles.Style(id=sid, styles=parts)


def _line(name: str, lat: Any, lon: Any, alt: Any, sid: str, description: str = "") -> Placemark:
    coords = list(zip(_lon180(lon).tolist(), np.asarray(lat, float).tolist(), np.asarray(alt, float).tolist(),
                      strict=True))
    ls = LineString(geometry=geo.LineString(coords), altitude_mode=AltitudeMode.absolute)
    return Placemark(name=name, description=description or None, kml_geometry=ls,
                     style_url=styles.StyleUrl(url=f"#{sid}"))


def _point(name: str, lat: float, lon: float, alt: float, sid: str | None, description: str) -> Placemark:
    pt = Point(geometry=geo.Point(float(_lon180(lon)), float(lat), float(alt)),
               altitude_mode=AltitudeMode.absolute if alt else AltitudeMode.clamp_to_ground)
    return Placemark(name=name, description=description, kml_geometry=pt,
                     style_url=styles.StyleUrl(url=f"#{sid}") if sid else None)


def _polygon(name: str, lat: Any, lon: Any, sid: str, description: str) -> Placemark:
    ring = list(zip(_lon180(lon).tolist(), np.asarray(lat, float).tolist(), strict=True))
    ring.append(ring[0])
    poly = Polygon(outer_boundary=OuterBoundaryIs(kml_geometry=LinearRing(geometry=geo.LinearRing(ring))),
                   altitude_mode=AltitudeMode.clamp_to_ground, tessellate=True)
    return Placemark(name=name, description=description, kml_geometry=poly, style_url=styles.StyleUrl(url=f"#{sid}"))


def ellipse_placemarks(ellipses: Sequence[Mapping[str, Any]], radius_m: float) -> list[Placemark]:
    """Polygons for ellipse dicts (``semi_major_km``, ``semi_minor_km``, ``azimuth_deg``, ``center_lat_deg``,
    ``center_lon_deg``, optional ``name``/``body`` and ``probability``)."""
    out = []
    for k, el in enumerate(ellipses):
        name = str(el.get("name", el.get("body", f"ellipse {k + 1}")))
        b = ellipse_boundary(0.0, 0.0, el["semi_major_km"] * 1e3, el["semi_minor_km"] * 1e3, el["azimuth_deg"], n=96)
        lat, lon = from_local_en(b[:, 0], b[:, 1], el["center_lat_deg"], el["center_lon_deg"], radius_m)
        p = el.get("probability")
        desc = (f"{2 * el['semi_major_km']:.2f} x {2 * el['semi_minor_km']:.2f} km, major axis "
                f"{el['azimuth_deg']:.1f} deg from north" + (f", {100 * p:.0f}% of cases" if p is not None else ""))
        if el.get("method"):
            how = ("scaled to hold that share of the cases" if el["method"] == "empirical"
                   else "Gaussian chi-square size")
            desc += f" ({how}); {containment_text(el)}"
        out.append(_polygon(f"{pretty(name)} ellipse", lat, lon, "ellipse", desc))
    return out


def survey_folder(plan: Any, frame: Any) -> Folder:
    """Sorties (LineStrings at flight altitude above the base's ground) and photo points of a survey plan."""
    feats: list[Any] = []
    for s in plan.sorties:
        w = s.waypoints_en_m
        lat, lon = from_local_en(w[:, 0], w[:, 1], frame.lat_deg, frame.lon_deg, frame.radius_m)
        ls = LineString(geometry=geo.LineString(list(zip(_lon180(lon).tolist(), lat.tolist(),
                                                         [plan.altitude_m] * len(lat), strict=True))),
                        altitude_mode=AltitudeMode.relative_to_ground)
        feats.append(Placemark(name=f"flight {s.index}", description=f"{s.distance_m:,.0f} m, {len(s.photos)} photos",
                               kml_geometry=ls, style_url=styles.StyleUrl(url="#survey")))
    if len(plan.photos_en_m):
        lat, lon = from_local_en(plan.photos_en_m[:, 0], plan.photos_en_m[:, 1], frame.lat_deg, frame.lon_deg,
                                 frame.radius_m)
        for k, (la, lo, names) in enumerate(zip(lat, lon, plan.photo_targets, strict=True)):
            feats.append(_point(f"photo {k + 1}", la, lo, 0.0, "photo", "covers " + ", ".join(names)))
    kind = "relocating flights" if getattr(plan, "relocating", False) else "sorties"
    return Folder(name=f"Debris survey ({len(plan.sorties)} {kind}, {plan.total_distance_m:,.0f} m)",
                  features=feats)


def nominal_kml(result: Any, *, ellipses: Sequence[Mapping[str, Any]] = (), survey: Any = None) -> KML:
    """A nominal run as a KML document.

    Folders: trajectories (the vehicle and every shed body, LineStrings with MOLA altitude), events
    (placemarks of the vehicle's timeline), impacts (points with speed and energy), the target and the rover,
    optional ellipses (polygons) and an optional survey plan.
    """
    frame = site_frame(result)
    tr = tracks(result)
    kinds = sorted({"vehicle", *tr})
    sty = [_style(f"body_{n}", body_colour(n), width=3 if n == "vehicle" else 1.5) for n in kinds]
    sty += [_style("ellipse", "#000000", width=2, fill_alpha=40), _style("survey", "#009E73", width=2),
            _style("photo", "#009E73"), _style("event", "#000000"), _style("rover", "#56B4E9"),
            _style("target", "#7F7F7F")]
    traj = [_line(pretty(n), df["lat_deg"], df["lon_deg"], df["altitude_mola_m"], f"body_{n}",
                  f"{len(df)} samples, {df['time_s'].iloc[0]:.1f} to {df['time_s'].iloc[-1]:.1f} s from entry")
            for n, df in tr.items()]
    events = [_point(event_label(e.name), e.lat_deg, e.lon_deg, e.altitude_mola_m, "event",
                     f"t = {e.time_s:.1f} s; {e.altitude_agl_m:,.0f} m above ground; {e.speed_m_s:,.1f} m/s; "
                     f"Mach {e.mach:.2f}") for e in result.events]
    impacts = [_point(pretty(i.body), i.lat_deg, i.lon_deg, 0.0, f"body_{i.body}",
                      f"impact at t = {i.time_s:.1f} s, {i.speed_m_s:,.1f} m/s, {i.kinetic_energy_j / 1e6:,.2f} MJ; "
                      f"{i.distance_from_rover_m:,.0f} m from the rover, bearing {i.bearing_from_rover_deg:.0f} deg")
               for i in result.impacts]
    site = [_point("target", result.target_lat_deg, result.target_lon_deg, 0.0, "target", "landing target")]
    if result.touchdown is not None:
        td = result.touchdown
        site.append(_point("rover", td.lat_deg, td.lon_deg, 0.0, "rover",
                           f"touchdown at t = {td.time_s:.1f} s, {td.miss_distance_m:,.0f} m from the target"))
    folders = [Folder(name="Trajectories", features=traj), Folder(name="Events", features=events),
               Folder(name="Impacts", features=impacts), Folder(name="Site", features=site)]
    if ellipses:
        folders.append(Folder(name="Ellipses", features=ellipse_placemarks(ellipses, frame.radius_m)))
    if survey is not None:
        folders.append(survey_folder(survey, frame))
    doc = Document(name=f"marsedl {result.preset} (nominal)", description=NOTE.format(version=__version__),
                   styles=sty, features=folders)
    return KML(features=[doc])


#: Most touchdown points drawn in a Monte Carlo KML (Google Earth slows down with tens of thousands).
MAX_KML_POINTS = 5000


def montecarlo_kml(run: Any, *, survey: Any = None, max_points: int = MAX_KML_POINTS) -> KML:
    """A Monte Carlo run folder as a KML document.

    Folders: ellipses (polygons on the ground for the landing ellipse, the delivery ellipse at backshell separation
    and every debris body's, at the run's probability; each description says how many cases it holds, with its
    binomial interval, and what the Gaussian ellipse would hold), touchdown points of the landed cases (the first
    ``max_points``), the target and the mean touchdown point, and an optional survey plan (in metres from the mean
    touchdown point).
    """
    from marsedl.report.common import site_frame

    frame = site_frame(run)
    els = run.ellipses(delivery=True)
    sty = [_style("ellipse", "#000000", width=2, fill_alpha=40), _style("touchdown", "#56B4E9"),
           _style("survey", "#009E73", width=2), _style("photo", "#009E73"), _style("target", "#7F7F7F"),
           _style("rover", "#56B4E9")]
    sty += [_style(f"ellipse_{e['name']}", body_colour(e["name"]) if e["name"] not in ("landing", "delivery")
                   else ("#000000" if e["name"] == "landing" else "#7F7F7F"),
                   width=2, fill_alpha=40) for e in els]
    polys = ellipse_placemarks(els, run.radius_m)
    for pm, e in zip(polys, els, strict=True):
        pm.style_url = styles.StyleUrl(url=f"#ellipse_{e['name']}")
    lat, lon = run.landing_points()
    cases = run.frame.loc[run.frame["outcome"] == "landed", "case"].to_numpy()
    shown = min(len(lat), int(max_points))
    points = [_point(f"case {int(c)}", la, lo, 0.0, "touchdown", f"touchdown of case {int(c)}")
              for c, la, lo in zip(cases[:shown], lat[:shown], lon[:shown], strict=True)]
    clat, clon = run.origin()
    site = [_point("target", run.target_lat_deg, run.target_lon_deg, 0.0, "target", "landing target"),
            _point("mean touchdown", clat, clon, 0.0, "rover", "centre of the landing ellipse")]
    folders = [Folder(name=f"Ellipses ({100 * run.probability:g}% of cases)", features=polys),
               Folder(name=f"Touchdown points ({shown:,} of {len(lat):,} landed cases)", features=points),
               Folder(name="Site", features=site)]
    if survey is not None:
        folders.append(survey_folder(survey, frame))
    m = run.manifest
    desc = (NOTE.format(version=__version__) + f" Monte Carlo run: {len(run.frame):,} cases, seed {m.get('seed')}, "
            f"preset {run.preset}, overrides {m.get('overrides') or 'none'}.")
    doc = Document(name=f"marsedl {run.preset} (Monte Carlo, {len(run.frame):,} cases)", description=desc,
                   styles=sty, features=folders)
    return KML(features=[doc])


def to_string(kml: KML) -> str:
    """Serialise with KML as the default namespace (plain ``<kml>`` tags, as Google Earth writes them)."""
    ET.register_namespace("", KML_NS)  # idempotent: maps the KML namespace to no prefix when serialising
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + kml.to_string(prettyprint=False) + "\n"


def write(kml: KML, path: str | Path) -> Path:
    """Write a KML document; an unwritable path is a one-line error."""
    path = Path(path)
    if path.suffix.lower() != ".kml":
        raise MarsEDLError(f"KML file '{path}': the name must end in .kml")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(to_string(kml), encoding="utf-8")
    except OSError as exc:
        raise MarsEDLError(f"KML file '{path}' cannot be written: {exc.strerror or exc}") from None
    return path


__all__ = ["KML_NS", "MAX_KML_POINTS", "ellipse_placemarks", "montecarlo_kml", "nominal_kml", "survey_folder",
           "to_string", "write"]
