"""Plots: each one subscribes to the controller's signals and only draws."""
