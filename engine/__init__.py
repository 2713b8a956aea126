"""The NumPy engine: optimizers, schedules and the runner. Never imports Qt."""
