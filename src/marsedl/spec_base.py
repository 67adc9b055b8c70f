"""What every part of the preset schema shares: its base model (finite numbers, no unknown field, frozen) and the
physical ranges of masses and separation speeds.

Every number of a preset is finite and inside a range wide enough for any Mars lander studied
(from Pathfinder's 585 kg to human-class landers of tens of tonnes) and narrow enough to refuse what no lander can
be (a typo, an inf, a number in the wrong unit). Each bound is declared once, here on its field; a Monte Carlo
dispersion of a field is held to the same range (marsedl.montecarlo.dispersions).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

#: No part of an entry vehicle is heavier than this: human-class Mars landers studied are 20-100 t at entry.
MAX_MASS_KG = 100_000.0
#: A push-off speed of springs or pyros is a few m/s (M2020 entry balance masses: about 3 m/s).
MAX_SEPARATION_SPEED_M_S = 50.0
#: A drag area the shed-hardware drag models accept (marsedl.aero.debris): a 11 m disk.
MAX_DRAG_AREA_M2 = 100.0

Mass = Annotated[float, Field(gt=0, le=MAX_MASS_KG)]
SeparationSpeed = Annotated[float, Field(ge=0, le=MAX_SEPARATION_SPEED_M_S)]


class _Spec(BaseModel):
    # every number a physical input: finite (an infinite thrust or a NaN mass is refused, named as written)
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
