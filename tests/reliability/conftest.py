"""Shared inputs of the fault matrix: a small clip with audio and a mask, made once per session."""

from __future__ import annotations

import pytest

from tests.reliability.faults import SIZE, save_mask
from tests.synth import make_video


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("fault-inputs")
    make_video(d / "clip.mp4", n=12, size=SIZE, audio=True)
    save_mask(d / "mask.png")
    return d


@pytest.fixture
def work(tmp_path, clip_dir, monkeypatch):
    """A fresh folder holding copies of ``clip.mp4`` and ``mask.png``, made the working folder."""
    for name in ("clip.mp4", "mask.png"):
        (tmp_path / name).write_bytes((clip_dir / name).read_bytes())
    monkeypatch.chdir(tmp_path)
    return tmp_path
