"""The one place tests find ``../shared`` (the real clips and the STTN fixture).

``VANISH_SHARED`` overrides the location (default: ``../shared`` beside the project root). Without
it, tests that need it skip with a reason; with ``VANISH_REQUIRE_SHARED=1`` (set by ``.ci/run``)
they fail instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def shared_root() -> Path:
    env = os.environ.get("VANISH_SHARED")
    return Path(env) if env else ROOT.parent / "shared"


def require_shared() -> bool:
    return os.environ.get("VANISH_REQUIRE_SHARED", "") not in ("", "0")


def shared_path(*parts: str) -> Path:
    """Path inside the shared folder; skips the test (or fails, when required) if it is absent."""
    p = shared_root().joinpath(*parts)
    if not p.exists():
        msg = f"shared test data not found: {p} (set VANISH_SHARED to its location)"
        if require_shared():
            pytest.fail(msg + " and VANISH_REQUIRE_SHARED=1 is set")
        pytest.skip(msg)
    return p


CLIPS = {
    "schoolgirls": ("data", "clips", "schoolgirls", "video.mp4"),
    "dogs_jump": ("data", "clips", "dogs_jump", "video.mp4"),
    "running_car": ("data", "clips", "running_car", "video.mp4"),
    "sample_640x360": ("data", "clips", "vfr_samples", "sample_640x360_aac.mp4"),
    "sample_576x324": ("data", "clips", "vfr_samples", "sample_576x324_aac.mp4"),
}


def clip_path(name: str) -> Path:
    return shared_path(*CLIPS[name])
