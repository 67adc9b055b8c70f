"""Physical constants used across marsedl, each defined once with its source (SI units)."""

#: Standard acceleration of gravity, m/s² (exact; 3rd CGPM, 1901): defines the "g" of loads and of specific
#: impulse.
G0 = 9.80665

#: Mean surface gravity of Mars, m/s² (NASA NSSDC Mars Fact Sheet): the default of the analytic models that
#: need one number (the isothermal atmosphere's temperature, the adjoint sensitivities of the entry guidance).
MARS_SURFACE_GRAVITY_M_S2 = 3.71
