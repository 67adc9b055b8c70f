"""What a body is doing: its phase selects its forces and the events it can meet (one declaration, read by the
engine and by its compiled kernels)."""

from __future__ import annotations

from enum import IntEnum


class Phase(IntEnum):
    """What a body is doing: selects its forces and the events it can meet.

    The order matters to the kernels: FREEFALL to FLYAWAY take the powered step (``kernels.advance``) and POWERED
    to FLYAWAY are thrusting, both tested as ranges; a new phase of the powered descent goes inside them.
    """

    UNBORN = 0  # slot not yet released
    DONE = 1  # on the ground (or stopped)
    ENTRY = 2  # lifting capsule, trim angle of attack, guided bank
    SUFR = 3  # capsule at zero angle of attack, bank to zero, before deploy
    CHUTE = 4  # capsule (with heat shield) under the parachute
    CHUTE_NO_HS = 5  # backshell + powered descent vehicle under the parachute
    FREEFALL = 6  # powered descent vehicle falling free from the backshell, engines warming
    POWERED = 7  # powered approach: polynomial (E-)guidance with divert to the approach gate
    CONSTANT_VELOCITY = 8  # vertical descent at the gate's constant rate
    CONSTANT_DECELERATION = 9  # constant deceleration from the gate's rate to the sky-crane start
    SKY_CRANE = 10  # constant-rate descent with the rover on the bridles
    HOVER = 11  # descent stage after touchdown, before the bridles are cut
    FLYAWAY = 12  # descent stage flying away
    BALLISTIC = 13  # any unpowered, non-lifting body (shed hardware)
