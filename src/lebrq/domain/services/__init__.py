"""Use cases: each runs the model inside a unit of work, through the ports."""
