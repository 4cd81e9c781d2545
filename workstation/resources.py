"""Where the shipped files (sounds, icons, sample label, example config) are, however we run.

Three layouts: a PyInstaller bundle unpacks them to `sys._MEIPASS/resources`; an installed wheel
carries them as the package's `_resources` folder (pyproject's force-include); a source checkout
has them in `resources/` beside the package. No Qt here: commands and the self-test use it too.
"""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


class ResourceNotFoundError(FileNotFoundError):
    """A shipped file is missing: the install is incomplete."""


def resources_dir() -> Path:
    """The folder holding the shipped resources, for the layout we are running from."""
    candidates = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "resources")
    candidates += [_PACKAGE_DIR / "_resources", _PACKAGE_DIR.parent / "resources"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise ResourceNotFoundError(
        f"no resources folder: looked in {', '.join(str(c) for c in candidates)}; reinstall the program"
    )


def resource_path(name: str) -> Path:
    """The path of a shipped file, e.g. `resource_path("sounds/accept.wav")`; raises when it is missing."""
    path = resources_dir() / name
    if not path.exists():
        raise ResourceNotFoundError(f"{path}: missing from the install; reinstall the program")
    return path
