"""Optimizer Playground: the composition root above ``gui``, ``engine`` and ``surfaces``.

It holds only the command line (``cli``) and the version; the app and the headless
commands live in the layers below. ``main.py`` at the top of a checkout and the
``optimizer-playground`` launcher both call ``optimizer_playground.cli.main``.
"""

from __future__ import annotations


def version() -> str:
    """The installed distribution's version; a checkout that was never installed has none."""
    # Looked up on demand: importlib.metadata scans site-packages, which `trace` should not pay for.
    from importlib import metadata

    try:
        return metadata.version("optimizer-playground")
    except metadata.PackageNotFoundError:
        return "0.0.0+checkout"
