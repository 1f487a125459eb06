"""The Qt platform plugin check that ``make run`` does before opening the editor.

``ldd``, ``ldconfig``, ``sudo`` and ``apt-get`` are replaced by small scripts on PATH, so the
tests are the same on any machine: the real check runs (in a child process where it matters) and
only what those programs print is simulated.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from inpaint_core import qtcheck

ROOT = Path(__file__).resolve().parents[2]
LDCONFIG_OK = "\tlibxcb-cursor.so.0 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libxcb-cursor.so.0\n"


def _script(folder: Path, name: str, body: str) -> None:
    p = folder / name
    p.write_text("#!/bin/sh\n" + body + "\n")
    p.chmod(0o755)


@pytest.fixture
def fakebin(tmp_path, monkeypatch):
    """A folder first on PATH with a fake ``ldd`` that reports the libraries listed in the file
    ``missing`` (one per line) as not found, a fake ``ldconfig`` and a failing ``sudo``."""
    b = tmp_path / "bin"
    b.mkdir()
    (tmp_path / "missing").write_text("")
    _script(b, "ldd", f'echo "\tlibc.so.6 => /lib/libc.so.6 (0x1)"\n'
                      f'while read l; do [ -n "$l" ] && echo "\t$l => not found"; done < "{tmp_path}/missing"')
    _script(b, "ldconfig", f"printf '{LDCONFIG_OK}'")
    _script(b, "sudo", "exit 1")
    monkeypatch.setenv("PATH", f"{b}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":77")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    return tmp_path


def test_finds_pyside6s_xcb_plugin():
    files = qtcheck.plugin_files()
    assert files and files[0].name == "libqxcb.so" and files[0].is_file()


def test_with_the_libraries_present_the_check_proceeds(fakebin):
    assert qtcheck.missing_libraries() == []
    assert qtcheck.run_check(allow_install=False, load=False) == 0


def test_a_missing_library_prints_the_apt_line_and_exits_non_zero_without_a_traceback(fakebin):
    (fakebin / "missing").write_text("libxcb-icccm.so.4\nlibxcb-keysyms.so.1\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "inpaint_core.qtcheck", "--no-install"], capture_output=True,
                       text=True, env=env, timeout=120)
    assert r.returncode == 1
    assert r.stdout.strip() == "sudo apt-get install -y libxcb-icccm4 libxcb-keysyms1"
    assert "missing libxcb-icccm.so.4, libxcb-keysyms.so.1" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def test_the_runtime_loaded_xcb_cursor_is_checked_too(fakebin):
    (fakebin / "bin" / "ldconfig").write_text("#!/bin/sh\necho '\tlibc.so.6 => /lib/libc.so.6'\n")
    assert qtcheck.missing_libraries() == ["libxcb-cursor.so.0"]
    assert qtcheck.packages_for(["libxcb-cursor.so.0"]) == ["libxcb-cursor0"]


def test_without_root_or_passwordless_sudo_nothing_is_installed(fakebin, monkeypatch, capsys):
    (fakebin / "missing").write_text("libxcb-icccm.so.4\n")
    _script(fakebin / "bin", "apt-get", f'echo "$@" > "{fakebin}/apt-args"')
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert qtcheck.can_install() is None
    assert qtcheck.run_check(load=False) == 1
    assert not (fakebin / "apt-args").exists()
    assert "sudo apt-get install -y libxcb-icccm4" in capsys.readouterr().out


def test_as_root_the_missing_packages_are_installed_with_apt(fakebin, monkeypatch, capsys):
    (fakebin / "missing").write_text("libxcb-icccm.so.4\nlibxkbcommon-x11.so.0\n")
    # the fake apt-get "installs": ldd stops reporting the libraries
    _script(fakebin / "bin", "apt-get", f'echo "$@" > "{fakebin}/apt-args"; : > "{fakebin}/missing"')
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert qtcheck.run_check(load=False) == 0
    assert (fakebin / "apt-args").read_text().split() == [
        "install", "-y", "--no-install-recommends", "libxcb-icccm4", "libxkbcommon-x11-0"]
    assert "Installing: apt-get install" in capsys.readouterr().err


def test_a_failed_install_updates_the_package_lists_and_retries(fakebin, monkeypatch):
    (fakebin / "missing").write_text("libxcb-keysyms.so.1\n")
    # apt-get install fails until apt-get update ran
    _script(fakebin / "bin", "apt-get", f'echo "$1" >> "{fakebin}/apt-calls"\n'
                                        f'[ "$1" = update ] && : > "{fakebin}/updated" && exit 0\n'
                                        f'[ -e "{fakebin}/updated" ] || exit 100\n: > "{fakebin}/missing"')
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert qtcheck.run_check(load=False) == 0
    assert (fakebin / "apt-calls").read_text().split() == ["install", "update", "install"]


def test_passwordless_sudo_is_used_when_not_root(fakebin, monkeypatch):
    _script(fakebin / "bin", "sudo", '[ "$1" = "-n" ] && exit 0; exit 1')
    _script(fakebin / "bin", "apt-get", "exit 0")
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert qtcheck.can_install() == ["sudo", "-n"]


def test_no_display_needs_no_plugin(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    assert qtcheck.run_check(allow_install=False) == 0


def test_an_unreachable_display_is_named_not_blamed_on_packages(fakebin, monkeypatch, capsys):
    """The real test window, in a child process, against a display nobody serves."""
    monkeypatch.setenv("DISPLAY", ":4711")
    assert qtcheck.run_check(allow_install=False) == 1
    captured = capsys.readouterr()
    assert "cannot reach the X display ':4711'" in captured.err and "apt-get" not in captured.out


@pytest.mark.skipif(not shutil.which("Xvfb"), reason="Xvfb is not installed")
def test_the_plugin_really_loads_on_an_x_server(tmp_path, monkeypatch):
    """With the libraries present, the real check starts a real test window and proceeds."""
    display = f":{300 + os.getpid() % 600}"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "640x480x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        monkeypatch.setenv("DISPLAY", display)
        monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
        for _ in range(50):  # wait for the server's socket
            if Path(f"/tmp/.X11-unix/X{display[1:]}").exists():
                break
            time.sleep(0.1)
        if qtcheck.missing_libraries():
            pytest.skip(f"this machine lacks {qtcheck.missing_libraries()}")
        ok, msg = qtcheck.load_test()
        assert ok, msg
        assert qtcheck.run_check(allow_install=False) == 0
    finally:
        server.terminate()
        server.wait(10)
