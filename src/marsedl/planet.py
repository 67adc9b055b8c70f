"""Mars as a rotating, oblate planet: gravity with J2, frame accelerations, coordinates and landing sites.

Frames
------
* **Planet-fixed** (rotating) cartesian frame: origin at the centre of mass, ``z`` along the spin axis
  (north), ``x`` through the prime meridian, ``y`` completing a right-handed frame. All positions ``r_m`` are
  in this frame.
* Latitude is **planetocentric** (angle between ``r`` and the equatorial plane) and longitude is east-positive
  in ``(-pi, pi]``. These are the coordinates used by the Mars 2020 landing target (PK) and by MOLA products.
* The local **ENU** basis (east, north, up) is spherical: *up* is along ``r``, not the ellipsoid normal. The
  flight-path angle is measured from the plane perpendicular to ``r`` (negative when descending) and the
  azimuth (heading) from north, clockwise (east-positive), in ``[0, 2 pi)``.

Everything is vectorised: positions and velocities are arrays of shape ``(..., 3)``; angles, radii and speeds
are arrays of shape ``(...)`` that broadcast against each other. All values are float64 SI (m, s, rad).

Altitudes: "MOLA altitude" is height above the areoid, "AGL" is height above the local ground. At Jezero they
differ by 2.57 km. :class:`Site` converts between them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from marsedl import sphere

# The compiled laws (marsedl.laws, with Numba: 0.25 s) are imported by the methods that evaluate them, so that
# code that only maps points (a Monte Carlo summary, a report) does not pay for them.

__all__ = [
    "JEZERO",
    "MARS",
    "Planet",
    "Site",
    "cartesian_to_spherical",
    "destination",
    "enu_basis",
    "flight_from_velocity",
    "inertial_to_relative",
    "relative_to_inertial",
    "spherical_to_cartesian",
    "surface_distance_bearing",
    "velocity_from_flight",
]

Array = NDArray[np.float64]
_TWO_PI = 2.0 * np.pi


def _f(x: ArrayLike) -> Array:
    return np.asarray(x, dtype=np.float64)


def _wrap_pi(angle: Array) -> Array:
    """Wrap to ``(-pi, pi]`` (:func:`marsedl.sphere.wrap_pi`)."""
    return sphere.wrap_pi(_f(angle))


def _wrap_2pi(angle: Array) -> Array:
    """Wrap to ``[0, 2 pi)`` (:func:`marsedl.sphere.wrap_2pi`)."""
    return sphere.wrap_2pi(_f(angle))


@dataclass(frozen=True)
class Planet:
    """A rigid, uniformly rotating planet with a point-mass + J2 gravity field.

    Parameters
    ----------
    name : str
        Human-readable name.
    gm_m3_s2 : float
        Gravitational parameter GM (m^3/s^2).
    equatorial_radius_m, polar_radius_m, mean_radius_m : float
        Radii of the reference ellipsoid (m); the equatorial radius is also the J2 reference radius.
    j2 : float
        Unnormalised second zonal harmonic (dimensionless, positive for an oblate planet).
    rotation_rate_rad_s : float
        Sidereal rotation rate about +z (rad/s).
    """

    name: str
    gm_m3_s2: float
    equatorial_radius_m: float
    polar_radius_m: float
    mean_radius_m: float
    j2: float
    rotation_rate_rad_s: float
    #: how latitudes are given and reported: "planetocentric" (angle of the radius vector) or "planetodetic"
    #: (angle of the ellipsoid normal, as GPS and WGS-84 maps); the engine itself works in planet-fixed cartesian
    latitude: str = "planetocentric"
    #: stagnation-point heating constant of the atmosphere (Sutton & Graves 1971), kg^0.5/m
    sutton_graves_k: float = 1.9e-4

    @property
    def flattening(self) -> float:
        """``f = 1 - b/a`` of the reference ellipsoid (0 for a sphere)."""
        return 1.0 - self.polar_radius_m / self.equatorial_radius_m

    def potential(self, r_m: ArrayLike) -> Array:
        """Gravitational potential energy per unit mass (J/kg, negative), point mass + J2.

        ``U = -GM/r * (1 - J2 (Re/r)^2 P2(sin(lat)))`` with ``P2(s) = (3 s^2 - 1) / 2``;
        ``gravity = -grad U``.
        """
        r = _f(r_m)
        rn = np.linalg.norm(r, axis=-1)
        s2 = (r[..., 2] / rn) ** 2
        p2 = 0.5 * (3.0 * s2 - 1.0)
        return -self.gm_m3_s2 / rn * (1.0 - self.j2 * (self.equatorial_radius_m / rn) ** 2 * p2)

    def gravity(self, r_m: ArrayLike) -> Array:
        """Gravitational acceleration (m/s^2) at planet-fixed positions ``r_m`` of shape ``(..., 3)``.

        Point mass plus the J2 zonal term (``-grad`` of :meth:`potential`); no centrifugal term (see
        :meth:`frame_acceleration`). The engine's law, :func:`marsedl.laws.gravity_j2`, over arrays.

        Returns
        -------
        ndarray, shape ``(..., 3)``
        """
        r = _f(r_m)
        x, y, z = r[..., 0], r[..., 1], r[..., 2]
        rn = np.sqrt(x * x + y * y + z * z)
        from marsedl import laws

        return np.stack(laws.gravity_j2.py_func(x, y, z, rn, self.gm_m3_s2, self.j2, self.equatorial_radius_m),
                        axis=-1)

    def frame_acceleration(self, r_m: ArrayLike, v_m_s: ArrayLike) -> Array:
        """Apparent acceleration of the rotating planet-fixed frame (m/s^2).

        ``-2 omega x v - omega x (omega x r)`` (Coriolis + centrifugal), with ``v`` the planet-relative
        velocity: the engine's law, :func:`marsedl.laws.frame_acceleration`, over arrays.
        Add it to the gravity and aerodynamic accelerations when integrating in the planet-fixed frame.
        """
        r, v = np.broadcast_arrays(_f(r_m), _f(v_m_s))
        from marsedl import laws

        a = laws.frame_acceleration.py_func(r[..., 0], r[..., 1], r[..., 2], v[..., 0], v[..., 1], v[..., 2],
                                            self.rotation_rate_rad_s)
        return np.stack(a, axis=-1)

    def ellipsoid_radius_m(self, lat_rad: ArrayLike) -> Array:
        """Radius (m) of the reference ellipsoid at planetocentric latitude ``lat_rad``.

        ``r = a b / sqrt((b cos(lat))^2 + (a sin(lat))^2)`` with ``a`` equatorial, ``b`` polar radius (the
        engine's :func:`marsedl.laws.ellipsoid_radius_along` on the unit ray of that latitude).
        """
        lat = _f(lat_rad)
        from marsedl import laws

        return laws.ellipsoid_radius_along.py_func(np.cos(lat) ** 2, np.sin(lat) ** 2, 1.0, self.equatorial_radius_m,
                                                   self.polar_radius_m)

    def position_m(self, lat_rad: ArrayLike, lon_rad: ArrayLike, height_m: ArrayLike) -> Array:
        """Planet-fixed position ``(..., 3)`` of the point ``height_m`` above the reference ellipsoid at a
        latitude in this planet's convention (:attr:`latitude`) and east longitude.

        Planetodetic: along the ellipsoid normal, ``((N + h) cos φ cos λ, (N + h) cos φ sin λ, (N b²/a² + h)
        sin φ)`` with ``N = a² / sqrt(a² cos² φ + b² sin² φ)``. Planetocentric: along the radius, at the
        ellipsoid radius of that latitude plus ``h``.
        """
        lat, lon, h = np.broadcast_arrays(_f(lat_rad), _f(lon_rad), _f(height_m))
        a, b = self.equatorial_radius_m, self.polar_radius_m
        if self.latitude == "planetodetic":
            c, s = np.cos(lat), np.sin(lat)
            n = a * a / np.sqrt((a * c) ** 2 + (b * s) ** 2)
            return np.stack([(n + h) * c * np.cos(lon), (n + h) * c * np.sin(lon), (n * (b / a) ** 2 + h) * s],
                            axis=-1)
        return spherical_to_cartesian(lat, lon, self.ellipsoid_radius_m(lat) + h)

    def latitude_rad(self, r_m: ArrayLike) -> Array:
        """Latitude (rad) of planet-fixed positions ``(..., 3)`` in this planet's convention.

        Planetodetic latitudes come from Bowring's formula iterated three times (error < 1e-12 rad up to
        thousands of km above an Earth-like ellipsoid; Bowring, Survey Review 23, 1976).
        """
        r = _f(r_m)
        x, y, z = r[..., 0], r[..., 1], r[..., 2]
        p = np.hypot(x, y)
        if self.latitude != "planetodetic" or self.polar_radius_m == self.equatorial_radius_m:
            return np.arctan2(z, p)
        a, b = self.equatorial_radius_m, self.polar_radius_m
        e2, ep2 = 1.0 - (b / a) ** 2, (a / b) ** 2 - 1.0
        beta = np.arctan2(a * z, b * p)  # reduced latitude, first guess
        for _ in range(3):
            lat = np.arctan2(z + ep2 * b * np.sin(beta) ** 3, p - e2 * a * np.cos(beta) ** 3)
            beta = np.arctan2(b * np.sin(lat), a * np.cos(lat))
        return lat

    def ned_basis(self, r_m: ArrayLike) -> tuple[Array, Array, Array]:
        """Local (north, east, down) unit vectors ``(..., 3)`` at positions ``r_m``; *down* is against the
        ellipsoid normal for a planetodetic planet, against the radius otherwise."""
        r = _f(r_m)
        lat = self.latitude_rad(r)
        lon = np.arctan2(r[..., 1], r[..., 0])
        east, north, up = enu_basis(lat, lon)
        return north, east, -up

    def omega_cross(self, r_m: ArrayLike) -> Array:
        """``omega x r`` (m/s): the velocity of a planet-fixed point seen from the inertial frame."""
        r = _f(r_m)
        w = self.rotation_rate_rad_s
        return np.stack([-w * r[..., 1], w * r[..., 0], np.zeros(r.shape[:-1])], axis=-1)


@functools.cache
def _planet_data() -> dict:
    """``data/planets.toml``, read once (callers copy what they change)."""
    import tomllib
    from importlib import resources

    return tomllib.loads((resources.files("marsedl") / "data" / "planets.toml").read_text(encoding="utf-8"))


#: The planets shipped as data (``marsedl/data/planets.toml``, every number with its source), by name.
PLANET_NAMES: tuple[str, ...] = tuple(_planet_data())


def planet_from_data(name: str, **overrides: float | str) -> Planet:
    """The shipped planet ``name`` (``mars``, ``earth``, ``venus``, ``titan``), with any field overridden.

    ``flattening`` or ``inverse_flattening`` may stand for ``polar_radius_m``; a field not given keeps the
    shipped value. Raises :class:`~marsedl.errors.MarsEDLError` for an unknown name.
    """
    from marsedl.errors import MarsEDLError

    table = _planet_data()
    if name not in table:
        raise MarsEDLError(f"unknown planet '{name}': choose one of {', '.join(table)}")
    data = {**table[name], **{k: v for k, v in overrides.items() if v is not None}}
    a = float(data["equatorial_radius_m"])
    f = data.pop("flattening", None)
    inv = data.pop("inverse_flattening", None)
    if "flattening" in overrides or "inverse_flattening" in overrides or "polar_radius_m" not in data:
        f = (1.0 / inv if inv else 0.0) if f is None else f
        data["polar_radius_m"] = a * (1.0 - float(f))
    return Planet(name=name.capitalize(), **data)


MARS = planet_from_data("mars")


def cartesian_to_spherical(r_m: ArrayLike) -> tuple[Array, Array, Array]:
    """Planetocentric ``(lat_rad, lon_rad, radius_m)`` of positions ``(..., 3)``; lon east in (-pi, pi]."""
    r = _f(r_m)
    return sphere.cartesian_to_spherical(r[..., 0], r[..., 1], r[..., 2])


def spherical_to_cartesian(lat_rad: ArrayLike, lon_rad: ArrayLike, radius_m: ArrayLike) -> Array:
    """Planet-fixed position ``(..., 3)`` from planetocentric latitude, east longitude and radius."""
    lat, lon, rad = np.broadcast_arrays(_f(lat_rad), _f(lon_rad), _f(radius_m))
    return np.stack(sphere.spherical_to_cartesian(lat, lon, rad), axis=-1)


def enu_basis(lat_rad: ArrayLike, lon_rad: ArrayLike) -> tuple[Array, Array, Array]:
    """Local (east, north, up) unit vectors, each of shape ``(..., 3)``, in the planet-fixed frame.

    *up* is radial (spherical), consistent with planetocentric latitude.
    """
    lat, lon = np.broadcast_arrays(_f(lat_rad), _f(lon_rad))
    sl, cl = np.sin(lat), np.cos(lat)
    so, co = np.sin(lon), np.cos(lon)
    east = np.stack([-so, co, np.zeros_like(lat)], axis=-1)
    north = np.stack([-sl * co, -sl * so, cl], axis=-1)
    up = np.stack([cl * co, cl * so, sl], axis=-1)
    return east, north, up


def velocity_from_flight(
    lat_rad: ArrayLike, lon_rad: ArrayLike, speed_m_s: ArrayLike, fpa_rad: ArrayLike, azimuth_rad: ArrayLike
) -> Array:
    """Planet-relative velocity ``(..., 3)`` from speed, flight-path angle and azimuth.

    Parameters
    ----------
    lat_rad, lon_rad : array_like
        Planetocentric position of the vehicle.
    speed_m_s : array_like
        Speed (m/s).
    fpa_rad : array_like
        Flight-path angle above the local horizontal (negative = descending).
    azimuth_rad : array_like
        Heading from north, clockwise (90 deg = due east).
    """
    lat, lon, v, g, psi = np.broadcast_arrays(
        _f(lat_rad), _f(lon_rad), _f(speed_m_s), _f(fpa_rad), _f(azimuth_rad)
    )
    e, n, u = enu_basis(lat, lon)
    cg = np.cos(g)
    return (
        (v * cg * np.sin(psi))[..., None] * e
        + (v * cg * np.cos(psi))[..., None] * n
        + (v * np.sin(g))[..., None] * u
    )


def flight_from_velocity(r_m: ArrayLike, v_m_s: ArrayLike) -> tuple[Array, Array, Array]:
    """``(speed_m_s, fpa_rad, azimuth_rad)`` of velocities ``v_m_s`` at positions ``r_m`` (both ``(..., 3)``).

    The flight-path angle is in ``[-pi/2, pi/2]``, the azimuth in ``[0, 2 pi)`` (0 for a vertical or zero
    velocity). Use the planet-relative velocity for the relative flight angles, the inertial one for inertial.
    """
    r, v = np.broadcast_arrays(_f(r_m), _f(v_m_s))
    lat, lon, _ = cartesian_to_spherical(r)
    e, n, u = enu_basis(lat, lon)
    ve = np.sum(v * e, axis=-1)
    vn = np.sum(v * n, axis=-1)
    vu = np.sum(v * u, axis=-1)
    horiz = np.hypot(ve, vn)
    speed = np.hypot(horiz, vu)
    fpa = np.arctan2(vu, horiz)
    azimuth = _wrap_2pi(np.arctan2(ve, vn))
    return speed, fpa, azimuth


def inertial_to_relative(r_m: ArrayLike, v_inertial: ArrayLike, planet: Planet = MARS) -> Array:
    """Planet-relative velocity ``v_in - omega x r`` (position in the planet-fixed frame at that instant)."""
    return _f(v_inertial) - planet.omega_cross(r_m)


def relative_to_inertial(r_m: ArrayLike, v_rel: ArrayLike, planet: Planet = MARS) -> Array:
    """Inertial velocity ``v_rel + omega x r``, expressed in axes aligned with the planet-fixed frame."""
    return _f(v_rel) + planet.omega_cross(r_m)


def surface_distance_bearing(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike, radius_m: ArrayLike
) -> tuple[Array, Array]:
    """Great-circle distance (m) and initial bearing (rad from north, clockwise, in [0, 2 pi)) from 1 to 2.

    Uses the haversine formula on a sphere of radius ``radius_m`` (accurate for short and long arcs).
    """
    return sphere.surface_distance_bearing(*(_f(a) for a in (lat1, lon1, lat2, lon2, radius_m)))


def destination(
    lat: ArrayLike, lon: ArrayLike, bearing_rad: ArrayLike, distance_m: ArrayLike, radius_m: ArrayLike
) -> tuple[Array, Array]:
    """Point reached by travelling ``distance_m`` along a great circle from (lat, lon) at ``bearing_rad``.

    The inverse of :func:`surface_distance_bearing`; returns ``(lat_rad, lon_rad)`` with lon in (-pi, pi].
    """
    p1, l1, th, d, rad = (_f(a) for a in (lat, lon, bearing_rad, distance_m, radius_m))
    delta = d / rad
    sp2 = np.sin(p1) * np.cos(delta) + np.cos(p1) * np.sin(delta) * np.cos(th)
    p2 = np.arcsin(np.clip(sp2, -1.0, 1.0))
    l2 = l1 + np.arctan2(np.sin(th) * np.sin(delta) * np.cos(p1), np.cos(delta) - np.sin(p1) * sp2)
    return p2, _wrap_pi(l2)


@dataclass(frozen=True)
class Site:
    """A landing site: where "ground" is, and the local areoid used for MOLA altitudes.

    Parameters
    ----------
    lat_deg, lon_deg : float
        Planetocentric latitude and east longitude of the site (degrees).
    ground_mola_m : float
        Ground elevation above the MOLA areoid at the site (m), used everywhere (the engine flies over a level
        ground at this height).
    areoid_radius_m : float
        MOLA areoid radius at the site (m).
    planet : Planet
        The planet (for the reference ellipsoid); Mars by default.

    Notes
    -----
    The areoid is approximated locally as the reference ellipsoid plus a constant undulation, fitted so that
    it equals ``areoid_radius_m`` at the site. The true MOLA areoid undulation varies by a few hundred metres
    over hundreds of km, so altitudes far (> ~100 km) from the site are approximate; near the landing ellipse
    the error is far below the other uncertainties.
    """

    lat_deg: float
    lon_deg: float
    ground_mola_m: float
    areoid_radius_m: float
    planet: Planet = MARS

    @property
    def lat_rad(self) -> float:
        return float(np.deg2rad(self.lat_deg))

    @property
    def lon_rad(self) -> float:
        return float(np.deg2rad(self.lon_deg))

    @property
    def undulation_m(self) -> float:
        """Areoid minus reference ellipsoid at the site (m): the constant of the local areoid model."""
        return float(self.areoid_radius_m - self.planet.ellipsoid_radius_m(self.lat_rad))

    def areoid_radius_at(self, lat_rad: ArrayLike, lon_rad: ArrayLike) -> Array:
        """Local areoid radius (m): reference ellipsoid radius + the site's constant undulation."""
        lat, _ = np.broadcast_arrays(_f(lat_rad), _f(lon_rad))
        return self.planet.ellipsoid_radius_m(lat) + self.undulation_m

    def altitude_mola_m(self, r_m: ArrayLike) -> Array:
        """Height above the (local) areoid (m) of planet-fixed positions ``(..., 3)``."""
        lat, lon, rad = cartesian_to_spherical(r_m)
        return rad - self.areoid_radius_at(lat, lon)

    def ground_mola_m_at(self, lat_rad: ArrayLike, lon_rad: ArrayLike) -> Array:
        """Ground elevation above the areoid (m): the site's constant, in the shape of ``(lat, lon)``."""
        lat, _ = np.broadcast_arrays(_f(lat_rad), _f(lon_rad))
        return np.full(lat.shape, float(self.ground_mola_m))

    def altitude_agl_m(self, r_m: ArrayLike) -> Array:
        """Height above the local ground (m): MOLA altitude minus ground elevation."""
        lat, lon, rad = cartesian_to_spherical(r_m)
        return rad - self.areoid_radius_at(lat, lon) - self.ground_mola_m_at(lat, lon)

    def radius_at_mola_m(self, lat_rad: ArrayLike, lon_rad: ArrayLike, altitude_mola_m: ArrayLike) -> Array:
        """Radius (m) of the point at a given MOLA altitude above (lat, lon)."""
        return self.areoid_radius_at(lat_rad, lon_rad) + _f(altitude_mola_m)

    def position_m(self, lat_rad: ArrayLike, lon_rad: ArrayLike, altitude_agl_m: ArrayLike = 0.0) -> Array:
        """Planet-fixed position ``(..., 3)`` of the point ``altitude_agl_m`` above ground at (lat, lon)."""
        radius = self.radius_at_mola_m(lat_rad, lon_rad, self.ground_mola_m_at(lat_rad, lon_rad)) + _f(
            altitude_agl_m
        )
        return spherical_to_cartesian(lat_rad, lon_rad, radius)


# Jezero crater, Mars 2020 landing target: 18.4447 N, 77.4508 E planetocentric, ground -2569.9 m MOLA (PK);
# MOLA areoid radius at the site 3394.507 km (Mars 2020 camera SIS, site frame).
JEZERO = Site(lat_deg=18.4447, lon_deg=77.4508, ground_mola_m=-2569.9, areoid_radius_m=3394.507e3)
