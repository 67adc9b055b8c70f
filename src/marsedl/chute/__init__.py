"""The Mars 2020 parachute message codec: canopy bits, encoding, decoding, drawing and photo reading."""
