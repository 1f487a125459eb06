"""Install the desktop entry, icon and AppStream metainfo for the current user (``vanish
install-desktop``), from a ``pip``/``pipx`` install or a PyInstaller bundle.

Files go where the XDG base directory spec says (``$XDG_DATA_HOME``, default ``~/.local/share``):
``applications/io.vanish.Vanish.desktop``, ``icons/hicolor/scalable/apps/io.vanish.Vanish.svg`` and
``metainfo/io.vanish.Vanish.metainfo.xml``. The entry's ``Exec`` names the ``vanish-editor`` of
this installation by its absolute path, so it works even when that folder is not on the desktop
session's PATH (a virtual environment).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

APP_ID = "io.vanish.Vanish"
SHARE = Path(__file__).resolve().parent / "share"
DESKTOP_FILE = SHARE / f"{APP_ID}.desktop"
METAINFO_FILE = SHARE / f"{APP_ID}.metainfo.xml"
ICON_FILE = SHARE / f"{APP_ID}.svg"


@dataclass
class Installed:
    entry: Path
    icon: Path
    metainfo: Path
    exec_line: str


def data_home() -> Path:
    """``$XDG_DATA_HOME`` when set to an absolute path, else ``~/.local/share``."""
    env = os.environ.get("XDG_DATA_HOME", "")
    return Path(env) if env and os.path.isabs(env) else Path.home() / ".local" / "share"


def editor_command() -> list[str]:
    """The command that starts this installation's editor."""
    here = Path(sys.executable).parent
    if getattr(sys, "frozen", False):  # a PyInstaller bundle: vanish-editor sits beside us
        return [str(here / ("vanish-editor.exe" if os.name == "nt" else "vanish-editor"))]
    script = here / "vanish-editor"
    if script.exists():
        return [str(script)]
    found = shutil.which("vanish-editor")
    return [found] if found else [sys.executable, "-m", "app.main"]


def _quote(arg: str) -> str:
    """Quote an Exec argument as the desktop entry spec requires."""
    if not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return arg
    return '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'


def desktop_entry(command: list[str]) -> str:
    """The shipped entry with ``Exec`` pointing at ``command`` (plus ``%F``)."""
    out = []
    for line in DESKTOP_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("Exec="):
            line = "Exec=" + " ".join(_quote(a).replace("%", "%%") for a in command) + " %F"
        elif line.startswith("TryExec=") and not os.path.isabs(command[0]):
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _refresh(base: Path) -> None:
    """Tell the desktop about the new files where its tools are installed (best effort)."""
    for cmd in (["update-desktop-database", "-q", str(base / "applications")],
                ["gtk-update-icon-cache", "-q", "-t", str(base / "icons" / "hicolor")]):
        if shutil.which(cmd[0]):
            with contextlib.suppress(OSError, subprocess.SubprocessError):  # a cache refresh is optional
                subprocess.run(cmd, capture_output=True, timeout=60)


def install_desktop(base: Path | None = None, command: list[str] | None = None) -> Installed:
    """Write the entry, icon and metainfo under ``base`` (default :func:`data_home`)."""
    base = data_home() if base is None else Path(base)
    command = command or editor_command()
    entry = base / "applications" / DESKTOP_FILE.name
    icon = base / "icons" / "hicolor" / "scalable" / "apps" / ICON_FILE.name
    meta = base / "metainfo" / METAINFO_FILE.name
    try:
        _write(entry, desktop_entry(command).encode("utf-8"))
        _write(icon, ICON_FILE.read_bytes())
        _write(meta, METAINFO_FILE.read_bytes())
    except OSError as exc:
        from .errors import VanishError

        raise VanishError(f"Cannot write the desktop entry under {base}: {exc.strerror or exc}.") from exc
    _refresh(base)
    return Installed(entry, icon, meta, " ".join(command))


def uninstall_desktop(base: Path | None = None) -> list[Path]:
    """Remove what :func:`install_desktop` wrote; the paths removed."""
    base = data_home() if base is None else Path(base)
    removed = []
    for p in (base / "applications" / DESKTOP_FILE.name,
              base / "icons" / "hicolor" / "scalable" / "apps" / ICON_FILE.name,
              base / "metainfo" / METAINFO_FILE.name):
        if p.exists():
            p.unlink()
            removed.append(p)
    return removed
