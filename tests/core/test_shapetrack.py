"""The shape tracker follows a textured square on a known path (translation, scale, rotation)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from inpaint_core.errors import Cancelled, MaskError
from inpaint_core.jobs import CancelToken, Progress
from inpaint_core.segment.shapetrack import TrackedShape, track_shape

W, H, S, N = 320, 240, 64, 30


def _transform(t: int) -> np.ndarray:
    """2x3 affine of frame ``t``: the texture's centre to the path, with scale and rotation."""
    cx, cy = 90 + 4.0 * t, 80 + 2.0 * t + 6 * np.sin(t / 5)
    return cv2.getRotationMatrix2D((S / 2, S / 2), 0.6 * t, 1.0 + 0.006 * t) + \
        np.array([[0, 0, cx - S / 2], [0, 0, cy - S / 2]])


def _clip():
    """``N`` frames (H, W, 3) uint8 and the square's true corners (4, 2) per frame."""
    rng = np.random.default_rng(3)
    tex = cv2.GaussianBlur(rng.integers(0, 256, (S, S, 3), dtype=np.uint8), (3, 3), 0)
    bg = np.full((H, W, 3), 90, np.uint8)
    corners = np.array([[0, 0], [S, 0], [S, S], [0, S]], np.float64)
    frames, truth = [], []
    for t in range(N):
        M = _transform(t)
        warped = cv2.warpAffine(tex, M, (W, H), flags=cv2.INTER_LINEAR)
        cover = cv2.warpAffine(np.full((S, S), 255, np.uint8), M, (W, H)) > 127
        f = bg.copy()
        f[cover] = warped[cover]
        frames.append(f)
        truth.append(corners @ M[:, :2].T + M[:, 2])
    return frames, truth


def _run(frames, pts, start, stop, **kw):
    out = {}
    events = list(track_shape(lambda i: frames[i], pts, start, stop, **kw))
    for ev in events:
        if isinstance(ev, TrackedShape):
            out[ev.frame] = ev
    return out, [e for e in events if isinstance(e, Progress)]


@pytest.mark.parametrize("backward", [False, True])
def test_track_shape_follows_a_moving_textured_square(backward):
    frames, truth = _clip()
    start, stop = (N - 1, 0) if backward else (0, N - 1)
    got, progress = _run(frames, truth[start], start, stop)
    assert sorted(got) == list(range(N))
    assert progress[-1].done == progress[-1].total == N
    errors = [float(np.linalg.norm(got[t].points.mean(axis=0) - truth[t].mean(axis=0))) for t in range(N)]
    corner = [float(np.abs(got[t].points - truth[t]).max()) for t in range(N)]
    conf = [got[t].confidence for t in range(N)]
    print(f"\n{'backward' if backward else 'forward'}: centroid error max {max(errors):.2f} px, "
          f"mean {np.mean(errors):.2f}; corner error max {max(corner):.2f} px; confidence min {min(conf):.2f}")
    print("per-frame centroid error:", " ".join(f"{e:.2f}" for e in errors))
    assert max(errors) < 2.0
    assert min(conf) > 0.5
    assert all(got[t].points.shape == (4, 2) and got[t].points.dtype == np.float32 for t in got)


def test_too_few_inliers_give_low_confidence():
    # a shape over the flat background: nothing to follow, it stays where it is with confidence 0
    frames, _ = _clip()
    flat = [(250, 180), (300, 180), (300, 230), (250, 230)]
    got, _ = _run(frames, flat, 0, 5)
    assert all(got[t].confidence == 0.0 for t in range(1, 6)) and np.allclose(got[5].points, flat)
    # a shape holding only a small plain patch: its 4 corners are all there is to follow (too few
    # inliers for a trusted fit): low confidence
    few = []
    for t in range(6):
        f = np.full((H, W, 3), 90, np.uint8)
        f[100:108, 100 + t:108 + t] = 230
        few.append(f)
    got, _ = _run(few, [(80, 80), (140, 80), (140, 130), (80, 130)], 0, 5)
    print("\nfour-corner shape confidences:", [round(got[t].confidence, 2) for t in range(1, 6)])
    assert all(0 < got[t].confidence < 0.3 for t in range(1, 6))


def test_cancel_and_bad_points():
    frames, truth = _clip()
    tok = CancelToken()
    gen = track_shape(lambda i: frames[i], truth[0], 0, N - 1, cancel=tok)
    next(gen), next(gen), next(gen)
    tok.cancel()
    with pytest.raises(Cancelled):
        list(gen)
    with pytest.raises(MaskError, match="at least 3"):
        list(track_shape(lambda i: frames[i], [(0, 0), (1, 1)], 0, 3))


def test_cli_track_shape_writes_points_and_confidence(tmp_path, capsys):
    import json

    import av

    from inpaint_core.cli import main as cli_main

    frames, truth = _clip()
    video = tmp_path / "square.mp4"
    with av.open(str(video), "w") as c:
        s = c.add_stream("libx264", rate=24)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        s.options = {"crf": "8", "preset": "ultrafast"}
        for f in frames[:20]:
            for pkt in s.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                c.mux(pkt)
        for pkt in s.encode():
            c.mux(pkt)
    pts = " ".join(f"{x:.2f},{y:.2f}" for x, y in truth[0])
    out = tmp_path / "track.json"
    assert cli_main(["masks", "track-shape", str(video), "--points", pts, "--to", "19", "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert sorted(int(k) for k in doc["frames"]) == list(range(20)) and doc["size"] == [W, H]
    err = max(float(np.linalg.norm(np.mean(doc["frames"][str(t)]["points"], axis=0) - truth[t].mean(axis=0)))
              for t in range(20))
    print(f"\nCLI track-shape on H.264: centroid error max {err:.2f} px")
    assert err < 2.0 and "20 frames" in capsys.readouterr().out
    assert cli_main(["masks", "track-shape", str(video), "--points", "1,2", "--out", str(out)]) == 2
    assert "at least 3" in capsys.readouterr().err
