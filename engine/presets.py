"""Presets: session files shipped in resources/presets/, one per lecture idea.

Each holds a title and a note for the lecturer (SPEC section 8). They are loaded
through the same validator as any session file, so a broken preset is refused
with the same clear message and nothing in it is executed.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path

from engine.session import Scene, SessionError

# Found as package data, so an installed copy (a wheel, a bundle) has them wherever it is run.
# Each folder is looked up one level down: in a PyInstaller bundle files("resources") is a
# MultiplexedPath, which has no file-system path of its own, but its children do.
PRESET_DIR = Path(os.fspath(resources.files("resources") / "presets"))
PLAYLIST_DIR = Path(os.fspath(resources.files("resources") / "playlists"))


def preset_paths() -> list[Path]:
    if not PRESET_DIR.is_dir():
        return []
    return sorted(PRESET_DIR.glob("*.json"))


def list_presets() -> list[tuple[str, str]]:
    """(key, title) for every preset, in file-name order (names start with a lecture order)."""
    out = []
    for path in preset_paths():
        try:
            with open(path, encoding="utf-8") as fh:
                title = json.load(fh).get("title", "")
        except (OSError, ValueError, AttributeError):
            title = "(unreadable preset)"
        out.append((path.stem, title))
    return out


def preset_path(key: str) -> Path:
    keys = [p.stem for p in preset_paths()]
    if key not in keys:
        # a name is never a path: refuse separators so --preset cannot open other files
        shown = ", ".join(keys[:12]) + (", ..." if len(keys) > 12 else "")
        raise SessionError(f"unknown preset {key!r} (see 'main.py list presets': {shown})")
    return PRESET_DIR / f"{key}.json"


def load_preset(key: str) -> Scene:
    try:
        return Scene.load(preset_path(key))
    except SessionError as err:
        if str(err).startswith("unknown preset"):
            raise
        raise SessionError(f"preset {key!r}: {err}") from None


def preset_dir() -> str:
    return os.fspath(PRESET_DIR)
