"""pandera models: what valid input is."""
