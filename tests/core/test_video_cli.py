"""`vanish info` on synthetic clips (runs without ../shared)."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from inpaint_core.cli import main
from tests.synth import make_video


@pytest.fixture(scope="module")
def vfr_clip(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("cli") / "phone.mp4", n=18, vfr=True, audio=True, rotate=90)


def test_info_json(vfr_clip, capsys):
    assert main(["info", "--json", str(vfr_clip.path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["width"], doc["height"], doc["rotation"]) == (96, 64, 90)
    assert doc["frame_count"] == 18
    assert doc["variable_frame_rate"] is True
    assert doc["time_base"] == "1/90000"
    assert doc["fps"] == pytest.approx(18 / doc["duration"])
    assert float(Fraction(doc["fps_fraction"])) == pytest.approx(doc["fps"])
    assert doc["shots"] == [[0, 18]]
    assert [(a["codec"], a["channels"], a["sample_rate"]) for a in doc["audio"]] == [("aac", 2, 44100)]


def test_info_text(vfr_clip, capsys):
    assert main(["info", "--no-shots", str(vfr_clip.path)]) == 0
    out = capsys.readouterr().out
    assert "96x64, rotated 90°" in out
    assert "Frames:      18" in out and "variable" in out
    assert "Audio #1:    aac, 44100 Hz, 2 ch" in out
    assert "Shots" not in out
