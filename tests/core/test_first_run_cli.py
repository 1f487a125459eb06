"""First run from the command line: ``vanish --version``, ``doctor``, ``install-desktop``,
``demo --out FILE.mp4`` and the demo project the editor's welcome screen opens."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest

from inpaint_core import __version__
from inpaint_core.cli import main
from inpaint_core.demo_project import BALL_LAYER, CLIP_NAME, LOGO_LAYER, ball_center, make_demo
from inpaint_core.jobs import run_job
from inpaint_core.masks.layers import PaintedLayer, ShapeLayer
from inpaint_core.project import Project
from inpaint_core.video import VideoReader


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"vanish {__version__}"


def test_doctor_reports_every_area_with_what_to_do(capsys, monkeypatch, tmp_path):
    store = tmp_path / "models"
    store.mkdir()
    (store / "sttn.pth").write_bytes(b"not a checkpoint")  # a file without a verification marker
    monkeypatch.setenv("VANISH_MODELS_DIR", str(store))
    assert main(["doctor", "--json", "--no-load"]) == 0
    doc = json.loads(capsys.readouterr().out)
    rows = {(r["area"], r["name"]): r for r in doc["checks"]}
    assert {r["area"] for r in doc["checks"]} == {"editor", "device", "models", "codecs", "space"}
    assert rows[("codecs", "H.264")]["ok"] is True and "8" in rows[("codecs", "H.264")]["detail"]
    assert rows[("models", "sttn")]["ok"] is False and "vanish models" in rows[("models", "sttn")]["fix"]
    sam = rows[("models", "sam_vit_b")]
    assert sam["ok"] is None and sam["fix"].startswith("vanish models download sam_vit_b")
    assert rows[("space", "model folder")]["detail"].endswith(f"free in {store}")
    assert rows[("device", "CPU")]["detail"].endswith("memory")


def test_doctor_text_marks_what_is_missing(capsys):
    assert main(["doctor", "--no-load"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"vanish {__version__}\n") and "codecs:" in out and "-> " in out


def test_install_desktop_writes_a_valid_entry_icon_and_metainfo(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    assert main(["install-desktop"]) == 0
    entry = tmp_path / "share" / "applications" / "io.vanish.Vanish.desktop"
    icon = tmp_path / "share" / "icons" / "hicolor" / "scalable" / "apps" / "io.vanish.Vanish.svg"
    meta = tmp_path / "share" / "metainfo" / "io.vanish.Vanish.metainfo.xml"
    assert entry.is_file() and icon.read_bytes().startswith(b"<svg") and meta.is_file()
    text = entry.read_text()
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert exec_line.endswith(" %F") and ("vanish-editor" in exec_line or "app.main" in exec_line)
    assert "Icon=io.vanish.Vanish" in text
    if shutil.which("desktop-file-validate"):
        r = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
    if shutil.which("appstreamcli"):
        r = subprocess.run(["appstreamcli", "validate", "--no-net", str(meta)], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
    assert main(["install-desktop", "--uninstall"]) == 0
    assert not entry.exists() and not icon.exists() and not meta.exists()


def test_exec_paths_with_spaces_are_quoted(tmp_path):
    from inpaint_core.desktop import install_desktop

    res = install_desktop(tmp_path, ["/opt/my apps/vanish-editor"])
    assert 'Exec="/opt/my apps/vanish-editor" %F' in res.entry.read_text().splitlines()


def test_demo_out_file_writes_the_result_there(tmp_path, capsys):
    out = tmp_path / "demo.mp4"
    assert main(["demo", "--out", str(out), "--frames", "6"]) == 0
    with VideoReader(out) as r:
        assert r.frame_count == 6 and r.size == (960, 540)
    assert (tmp_path / "demo_files" / "demo_input.mp4").is_file()
    assert "dB after" in capsys.readouterr().out


def test_demo_project_has_a_logo_layer_and_a_ball_layer_that_follows_the_ball(tmp_path):
    folder = run_job(make_demo(tmp_path, frames=12))
    proj = Project.load(folder)
    layers = {layer.name: layer for layer in proj.layers}
    assert set(layers) == {LOGO_LAYER, BALL_LAYER}
    logo, ball = layers[LOGO_LAYER], layers[BALL_LAYER]
    assert isinstance(logo, ShapeLayer) and logo.covers(0) and logo.covers(11)
    assert isinstance(ball, PaintedLayer) and ball.frames == list(range(12))
    with VideoReader(tmp_path / CLIP_NAME) as r:
        for i in (0, 11):
            rgb = r.frame(i).astype(int)
            red = (rgb[..., 0] > 150) & (rgb[..., 1] < 80) & (rgb[..., 2] < 80)
            m = ball.mask(i) > 0
            assert red.sum() > 200 and (red & m).sum() / red.sum() > 0.99  # the mask covers the ball
            x, y, _ = ball_center(i, 12, proj.size)
            ys, xs = np.nonzero(m)
            assert abs(xs.mean() - x) < 2 and abs(ys.mean() - y) < 2
            bright = rgb.min(axis=2) > 200
            assert (bright & (logo.mask(i) > 0)).sum() > 100  # the logo is burnt in under its layer
    mtime = (folder / "project.json").stat().st_mtime_ns
    assert run_job(make_demo(tmp_path, frames=12)) == folder
    assert (folder / "project.json").stat().st_mtime_ns == mtime  # reused, not remade


def test_doctor_names_each_gpu_with_its_memory(monkeypatch):
    """No GPU here: a stand-in ``torch`` module answers the few questions doctor asks."""
    import sys
    import types

    from inpaint_core.doctor import check_device

    props = types.SimpleNamespace(name="NVIDIA H200", total_memory=150_000_000_000)
    cuda = types.SimpleNamespace(is_available=lambda: True, device_count=lambda: 1,
                                 get_device_properties=lambda k: props)
    fake = types.SimpleNamespace(__version__="9.9", get_num_threads=lambda: 16, cuda=cuda,
                                 backends=types.SimpleNamespace())
    monkeypatch.setitem(sys.modules, "torch", fake)
    rows = {r.name: r for r in check_device()}
    assert rows["GPU 0"].ok is True and rows["GPU 0"].detail == "NVIDIA H200, 150.0 GB memory (CUDA)"
    assert rows["PyTorch"].detail == "torch 9.9, 16 threads"
