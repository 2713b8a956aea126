"""Data shipped with the app: presets, playlists, the app icon, the desktop entry. No code.

A package so that an installed copy finds them through ``importlib.resources``
(``engine.presets`` does), never through a path relative to a checkout.
"""
