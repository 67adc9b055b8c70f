"""What a body is doing: its phase selects its forces and the events it can meet (one declaration, read by the
engine and by its compiled kernels)."""

from __future__ import annotations

from enum import IntEnum


class Phase(IntEnum):
    """What a body is doing: selects its forces and the events it can meet."""

    UNBORN = 0  # slot not yet released
    DONE = 1  # on the ground (or stopped)
    ENTRY = 2  # lifting capsule, trim angle of attack, guided bank
    SUFR = 3  # capsule at zero angle of attack, bank to zero, before deploy
    CHUTE = 4  # capsule (with heat shield) under the parachute
    CHUTE_NO_HS = 5  # backshell + powered descent vehicle under the parachute
    FREEFALL = 6  # powered descent vehicle falling free from the backshell, engines warming
    POWERED = 7  # powered descent, guided to the sky-crane start point
    SKY_CRANE = 8  # constant-rate descent with the rover on the bridles
    HOVER = 9  # descent stage after touchdown, before the bridles are cut
    FLYAWAY = 10  # descent stage flying away
    BALLISTIC = 11  # any unpowered, non-lifting body (shed hardware)
