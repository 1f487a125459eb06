"""The video layer on the real clips in ../shared (skipped without it, required in CI).

Each clip is decoded sequentially once (module fixture): frame hashes and shot scores come from
that pass. Random access, `vanish info` and the running_car round trip are checked against it.
"""

from __future__ import annotations

import hashlib
import json
import random
from fractions import Fraction

import numpy as np
import pytest

from inpaint_core.cli import main
from inpaint_core.video import VideoReader, VideoWriter, probe
from inpaint_core.video.shots import boundaries_from_scores, shot_scores
from tests.shared import clip_path

pytestmark = pytest.mark.shared

# size, frames, audio codecs (README of ../shared; frame counts of the vfr samples from their index)
EXPECTED = {
    "schoolgirls": ((432, 240), 80, []),
    "dogs_jump": ((432, 240), 66, []),
    "running_car": ((972, 540), 292, ["aac"]),
    "sample_640x360": ((640, 360), 92, ["aac"]),
    "sample_576x324": ((576, 324), 70, ["aac"]),
}


def digest(rgb: np.ndarray) -> str:
    return hashlib.blake2b(np.ascontiguousarray(rgb).tobytes(), digest_size=16).hexdigest()


class Decoded:
    """One sequential pass: per-frame hashes and shot scores."""

    def __init__(self, name: str) -> None:
        self.path = clip_path(name)
        self.hashes: list[str] = []
        with VideoReader(self.path, cache_bytes=0) as r:
            def frames():
                for _, f in r.iter_frames():
                    self.hashes.append(digest(f))
                    yield f
            self.window, self.step = shot_scores(frames())
            self.pts = list(r.pts)
            self.info = r.info


_decoded: dict[str, Decoded] = {}


def decoded(name: str) -> Decoded:
    if name not in _decoded:
        _decoded[name] = Decoded(name)
    return _decoded[name]


@pytest.fixture(scope="module", autouse=True)
def _forget():
    yield
    _decoded.clear()


@pytest.mark.parametrize("name", list(EXPECTED))
def test_info_reports_frames_size_audio(name, capsys):
    d = decoded(name)
    assert main(["info", "--json", "--no-shots", str(d.path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    size, frames, audio = EXPECTED[name]
    assert (doc["width"], doc["height"]) == size
    assert doc["frame_count"] == frames == len(d.hashes)
    assert [a["codec"] for a in doc["audio"]] == audio
    assert doc["fps"] == pytest.approx(frames / doc["duration"])
    assert Fraction(doc["fps_fraction"]) == d.info.fps
    assert doc["variable_frame_rate"] is False
    for key in ("fps", "time_base", "duration", "shots"):
        assert key in doc


@pytest.mark.parametrize("name", list(EXPECTED))
def test_random_frames_are_bit_identical_to_sequential_decode(name):
    d = decoded(name)
    n = len(d.hashes)
    idx = random.Random(name).sample(range(n), min(50, n))
    with VideoReader(d.path, cache_bytes=0) as r:
        bad = [i for i in idx if digest(r.frame(i)) != d.hashes[i]]
    assert bad == []


def test_shots_of_the_shared_clips():
    for name in ("schoolgirls", "dogs_jump"):
        d = decoded(name)
        assert boundaries_from_scores(d.window, d.step) == [], name
    d = decoded("running_car")
    cuts = boundaries_from_scores(d.window, d.step)
    assert cuts[0] == 32
    assert len(cuts) >= 2 and all(271 <= c <= 274 for c in cuts[1:])


def test_info_text_and_shots_via_cli(capsys):
    path = clip_path("schoolgirls")
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "432x240" in out and "Frames:      80" in out and "Audio:       none" in out
    assert "Shots:       1 (frames 0-79)" in out
    assert main(["info", "--json", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["shots"] == [[0, 80]]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)


def test_running_car_round_trip(tmp_path):
    d = decoded("running_car")
    info = d.info
    kw = dict(width=info.width, height=info.height, time_base=info.time_base, rate=info.rate,
              color=info, audio_from=d.path)
    ffv1, h264 = tmp_path / "rt.mkv", tmp_path / "rt.mp4"
    with VideoReader(d.path, cache_bytes=0) as r, VideoWriter(ffv1, **kw) as w1, \
            VideoWriter(h264, crf=18, preset="veryfast", **kw) as w2:
        for i, f in r.iter_frames():
            w1.write(f, r.pts[i])
            w2.write(f, r.pts[i])
    src_audio = info.audio[0]
    frame_s = src_audio.frame_size / src_audio.sample_rate
    for out in (ffv1, h264):
        got = probe(out)
        assert got.frame_count == info.frame_count
        assert [a.codec for a in got.audio] == ["aac"]
        assert got.audio[0].duration == pytest.approx(src_audio.duration, abs=frame_s)
    with VideoReader(ffv1, cache_bytes=0) as a, VideoReader(h264, cache_bytes=0) as b:
        # the same pts per frame (Matroska stores milliseconds: exact here, 40 ms frames)
        src_t = [p * info.time_base for p in d.pts]
        assert [p * a.info.time_base for p in a.pts] == src_t
        assert [p * b.info.time_base for p in b.pts] == src_t
        per_frame = []
        for (i, fa), (_, fb) in zip(a.iter_frames(), b.iter_frames()):
            assert digest(fa) == d.hashes[i], f"FFV1 frame {i} is not identical"
            per_frame.append(psnr(fb, fa))
    assert len(per_frame) == info.frame_count
    # the clip's PSNR (mean over frames) of H.264 CRF 18 against the decoded source
    assert np.mean(per_frame) > 40.0, (np.mean(per_frame), min(per_frame))
    assert min(per_frame) > 36.0
