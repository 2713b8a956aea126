"""Views beside the surface: learning-rate sweeps, basin maps and the 3-D surface,
each a tab next to the contour view (gui.analysis.tabs)."""
