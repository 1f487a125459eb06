"""Check that Qt's xcb platform plugin can load before the editor starts (``make run``).

``python -m inpaint_core.qtcheck [--no-install]`` exits 0 when the plugin can load (or when there is no X
display to load it for: the editor then runs the headless demo), installs the missing system
libraries with apt when it may (running as root, or ``sudo`` without a password), and otherwise
prints the exact ``apt-get install`` line and exits 1. Never imports Qt itself: PySide6's plugin
is inspected with ``ldd`` and loaded in a child process, so a library that aborts Qt cannot take
this process down with it.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# Debian/Ubuntu package of each library the xcb plugin (libqxcb.so, libQt6XcbQpa.so.6) needs
PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libGLX.so.0": "libglx0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}
# loaded by the plugin at run time (not a link dependency ldd can see): "xcb-cursor0 is needed"
RUNTIME_LIBS = ("libxcb-cursor.so.0",)
# what the README lists: everything above that a minimal desktop may lack
README_PACKAGES = ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-image0",
                   "libxcb-render-util0", "libxcb-shape0", "libxcb-xkb1", "libxkbcommon-x11-0",
                   "libegl1", "libgl1", "libfontconfig1", "libdbus-1-3")


def plugin_files() -> list[Path]:
    """The xcb plugin and its Qt library inside the installed PySide6 (empty when not found)."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return []
    root = Path(next(iter(spec.submodule_search_locations)))
    cands = [root / "Qt" / "plugins" / "platforms" / "libqxcb.so", *sorted((root / "Qt" / "lib").glob("libQt6XcbQpa.so*"))]
    return [p for p in cands if p.exists()][:2]


def _ldd_missing(path: Path) -> list[str]:
    try:
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return re.findall(r"^\s*(\S+)\s*=>\s*not found", out, flags=re.M)


def _loadable(soname: str) -> bool:
    try:
        ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"  # /sbin is not on every user's PATH
        out = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return True  # cannot tell: let the load test decide
    return f"{soname} " in out or f"{soname}\t" in out


def missing_libraries(files: list[Path] | None = None) -> list[str]:
    """Sonames the xcb plugin needs that the dynamic linker cannot find, in order."""
    files = plugin_files() if files is None else files
    found: list[str] = []
    for f in files:
        for lib in _ldd_missing(f):
            if lib not in found:
                found.append(lib)
    for lib in RUNTIME_LIBS:
        if lib not in found and not _loadable(lib):
            found.append(lib)
    return found


def packages_for(libs: list[str]) -> list[str]:
    """apt packages providing ``libs`` (unknown sonames map to the full README list)."""
    pkgs: list[str] = []
    for lib in libs:
        for p in [PACKAGES[lib]] if lib in PACKAGES else README_PACKAGES:
            if p not in pkgs:
                pkgs.append(p)
    return pkgs


def load_test(timeout: float = 60) -> tuple[bool, str]:
    """Create a QGuiApplication on the xcb platform in a child process: (loaded, Qt's messages)."""
    code = ("import sys; from PySide6.QtGui import QGuiApplication; "
            "a = QGuiApplication([sys.argv[0], '-platform', 'xcb']); print('ok', a.platformName())")
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    try:
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return False, "the test window did not start within a minute"
    return r.returncode == 0 and "ok xcb" in r.stdout, (r.stderr or r.stdout).strip()


def can_install() -> list[str] | None:
    """The command prefix that installs packages without a password (None when none can)."""
    if not shutil.which("apt-get"):
        return None
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return []
    if shutil.which("sudo"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):  # no usable sudo
            if subprocess.run(["sudo", "-n", "true"], capture_output=True, timeout=20).returncode == 0:
                return ["sudo", "-n"]
    return None


def _needs_check() -> bool:
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM", "xcb") not in ("", "xcb"):
        return False
    return bool(os.environ.get("DISPLAY"))


def run_check(allow_install: bool = True, load: bool = True) -> int:
    """0 when the plugin can load (after installing what was missing); 1 with the apt line."""
    if not _needs_check():
        return 0
    files = plugin_files()
    if not files:
        print("PySide6 is not installed in this environment; run `make run` again after "
              "`pip install -e .`.", file=sys.stderr)
        return 1
    libs = missing_libraries(files)
    ok, qt_msg = (True, "") if libs or not load else load_test()
    if not libs and ok:
        return 0
    if not libs and "could not connect to display" in qt_msg:
        print(f"Qt cannot reach the X display {os.environ.get('DISPLAY')!r}: {qt_msg.splitlines()[-1]} "
              "Start the editor from a desktop session (or unset DISPLAY for the headless demo).",
              file=sys.stderr)
        return 1
    pkgs = packages_for(libs) if libs else list(README_PACKAGES)
    what = ", ".join(libs) if libs else "a library Qt could not name"
    print(f"Qt's xcb platform plugin cannot load: missing {what}.", file=sys.stderr)
    if qt_msg:
        print("Qt said: " + qt_msg.splitlines()[-1], file=sys.stderr)
    prefix = can_install() if allow_install else None
    if prefix is not None:
        cmd = [*prefix, "apt-get", "install", "-y", "--no-install-recommends", *pkgs]
        print("Installing: " + " ".join(cmd), file=sys.stderr)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        r = subprocess.run(cmd, env=env)
        if r.returncode != 0:  # a fresh system may have no package lists yet
            print("Updating the package lists and trying again...", file=sys.stderr)
            subprocess.run([*prefix, "apt-get", "update"], env=env)
            r = subprocess.run(cmd, env=env)
        if r.returncode == 0 and not missing_libraries(files) and (not load or load_test()[0]):
            print("The editor's system libraries are installed.", file=sys.stderr)
            return 0
        print("Installing did not fix it.", file=sys.stderr)
    print("Install the editor's system libraries, then run `make run` again:", file=sys.stderr)
    print("    sudo apt-get install -y " + " ".join(pkgs))
    return 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m inpaint_core.qtcheck", description=__doc__.splitlines()[0])
    ap.add_argument("--no-install", action="store_true", help="only check; print the apt line")
    args = ap.parse_args(argv)
    try:
        return run_check(allow_install=not args.no_install)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
