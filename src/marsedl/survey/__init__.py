"""Debris survey planning: helicopter flights that photograph every piece of debris, Ingenuity-style.

A model, no plotting: targets are points (a nominal run's impacts) or ellipses (a Monte Carlo run's impact
ellipses) in metres east/north of the rover (a local azimuthal-equidistant frame: distance and bearing from
the rover are exact, as in :class:`marsedl.result.Impact`). The plan

1. places photo points whose ground footprint covers every target (a point target is covered when it lies
   within the footprint's inscribed circle, radius ``h tan(fov/2)``, so the heading of the helicopter does
   not matter; an ellipse is tiled by a square grid of such circles),
2. orders them in one short route from the base (nearest neighbour, or the preorder walk of the minimum
   spanning tree when shorter, then 2-opt and or-opt),
3. cuts the route into flights of at most ``max_sortie_m`` each:

   - **relocating** (the default, as Ingenuity flew: each flight landed at a new site and the next took off
     from there): the route is an open path from the base; each flight lands at its last photo point, and a
     leg longer than the limit is flown in equal hops landing on the straight line between its two photo
     points. Every target is reachable; far debris simply takes many flights. Consecutive flights are packed
     greedily along the route, which gives the fewest flights for that route and those landing points.
   - **return to base** (``return_to_base=True``): a closed tour cut into out-and-back sorties from the base
     (the optimal split of the tour order, a shortest path over tour cuts); targets farther than half the limit
     are unreachable and named.

Bounds (relocating): the route is a path through the base and every photo point, so it is at least the minimum
spanning tree of those points; it is started from the better of the nearest-neighbour path and the tree's
preorder walk (at most twice the tree), and 2-opt and or-opt only shorten it, so it is at most twice the tree.

Honest numbers: Ingenuity's longest flight was 704 m (flight 25, 2022-04-08; flight 9, 2021-07-05, covered
625 m), at up to 24 m altitude (flight 61) — JPL Ingenuity flight log,
https://mars.nasa.gov/technology/helicopter/#Flight-Log. The default 47° field of view is issue 5's figure for
the colour camera (check it against the camera's specification before relying on it). From 10 m a 47°
camera sees an 8.7 m square, and the debris of an EDL lies from a few hundred metres to ~50 km from the
rover: the balance masses tens of km away take a hundred flights or more, and the plan says so.

Modules: :mod:`~marsedl.survey.geometry`, :mod:`~marsedl.survey.targets`, :mod:`~marsedl.survey.route`,
:mod:`~marsedl.survey.plan`; everything is importable from ``marsedl.survey``.
"""

from marsedl.survey.geometry import ellipse_boundary, footprint_side_m, from_local_en, inside_ellipse, to_local_en
from marsedl.survey.plan import Sortie, SurveyPlan, plan_survey
from marsedl.survey.route import (  # noqa: F401  (the route's steps, for the tests)
    MAX_FLIGHTS,
    _improve,
    _length,
    _nearest_neighbour,
    _or_opt,
    _route,
    _two_opt,
    minimum_spanning_tree,
)
from marsedl.survey.targets import MAX_PHOTOS, Target, targets_from_ellipses, targets_from_impacts

__all__ = [
    "MAX_FLIGHTS",
    "MAX_PHOTOS",
    "Sortie",
    "SurveyPlan",
    "Target",
    "ellipse_boundary",
    "footprint_side_m",
    "from_local_en",
    "inside_ellipse",
    "minimum_spanning_tree",
    "plan_survey",
    "targets_from_ellipses",
    "targets_from_impacts",
    "to_local_en",
]
