"""A layer's feather reaches the export's final blend: the soft edge the viewer shows is the one
the exported pixels have, while a hard layer beside it keeps a hard edge; projects without soft
layers export as before."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np

from inpaint_core.export import export_video
from inpaint_core.jobs import run_job
from inpaint_core.masks import ShapeLayer
from inpaint_core.masks.document import MaskDocument

W, H, N = 160, 96, 6
F = 6.0  # the soft layer's feather


def _clip(path: Path) -> Path:
    """N frames of a static high-contrast texture (every fill differs from the source)."""
    rng = np.random.default_rng(3)
    img = rng.integers(0, 255, (H, W, 3), dtype=np.uint8)
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=24)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        s.options = {"crf": "0", "preset": "ultrafast"}
        for _ in range(N):
            for pkt in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(pkt)
        for pkt in s.encode():
            c.mux(pkt)
    return path


def _decode(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def _doc(feather: float) -> tuple[MaskDocument, ShapeLayer, ShapeLayer]:
    soft = ShapeLayer.rectangle((W, H), 20, 30, 30, 30, name="soft")
    hard = ShapeLayer.rectangle((W, H), 100, 30, 30, 30, name="hard")
    soft.feather = feather
    return MaskDocument((W, H), N, [soft, hard]), soft, hard


def _export(tmp_path: Path, doc, name: str, **kw) -> tuple[list[np.ndarray], list[np.ndarray]]:
    clip = tmp_path / "src.mp4"
    if not clip.exists():
        _clip(clip)
    out = tmp_path / f"{name}-out"
    layer = tmp_path / f"{name}-fill"
    run_job(export_video(clip, doc, out, fmt="png", engine="telea", grow=0, feather=0.0, fill_layer=layer, **kw))
    frames = [cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB) for p in sorted(out.glob("*.png"))]
    alphas = [cv2.imread(str(p), cv2.IMREAD_UNCHANGED)[..., 3] for p in sorted(layer.glob("*.png"))]
    return frames, alphas


def test_layer_feather_ramps_in_the_export_and_a_hard_layer_stays_hard(tmp_path):
    doc, soft, hard = _doc(F)
    frames, alphas = _export(tmp_path, doc, "soft")
    src = _decode(tmp_path / "src.mp4")
    assert len(frames) == len(alphas) == N
    a = alphas[2].astype(np.float64) / 65535.0
    row = 45
    # the soft layer (x 20..49): 1 inside, a ramp over F pixels right of its edge, 0 beyond
    ramp = a[row, 50:50 + int(F) + 2]
    print("\nexported alpha right of the feathered layer:", np.round(ramp, 3).tolist())
    assert (a[31:59, 21:49] == 1.0).all()
    assert all(0 < v < 1 for v in ramp[: int(F) - 1]) and list(ramp) == sorted(ramp, reverse=True)
    assert (ramp[int(F):] == 0).all()
    # it is the viewer's soft edge (the composed alpha with the layer's feather)
    view = doc.stack.compose_alpha(2).astype(np.float64) / 255.0
    assert np.abs(a - view).max() < 1e-3
    # the hard layer (x 100..129): 1 on it, 0 at once outside
    assert (a[30:60, 100:130] == 1.0).all() and (a[row, 130:140] == 0).all() and (a[row, 90:100] == 0).all()
    # the pixels: outside every alpha the source, in the ramp between source and fill
    out, s = frames[2].astype(int), src[2].astype(int)
    outside = a == 0
    assert np.array_equal(out[outside], s[outside])
    changed = np.abs(out - s).max(axis=2) > 0
    assert changed[row, 50:50 + int(F) - 1].sum() >= int(F) - 2  # the ramp is visible
    assert not changed[row, 130:140].any()


def test_without_soft_layers_the_export_is_unchanged(tmp_path):
    """A feather of 0 on every layer gives exactly the export of the plain 0/255 mask."""
    doc, _, _ = _doc(0.0)
    frames, alphas = _export(tmp_path, doc, "hard")
    plain = doc.compose(0)
    frames2, alphas2 = _export(tmp_path, plain, "plain")
    assert all(np.array_equal(x, y) for x, y in zip(frames, frames2))
    assert all(np.array_equal(x, y) for x, y in zip(alphas, alphas2))
