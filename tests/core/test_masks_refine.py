"""Per-layer refinement (signed expansion, feather, temporal smoothing), add/subtract modes and
layer colours in the core composition, and their project round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest

from inpaint_core.errors import MaskError, ProjectError
from inpaint_core.masks import MaskStack, PaintedLayer, ShapeLayer
from inpaint_core.masks.document import MaskDocument, SetLayer
from inpaint_core.project import Project

W, H, N = 40, 30, 6
SIZE = (W, H)


def _blob(x0, y0, x1, y1):
    m = np.zeros((H, W), np.uint8)
    m[y0:y1, x0:x1] = 255
    return m


def _area(m):
    return int((m > 0).sum())


def test_signed_expansion_grows_and_shrinks():
    stack = MaskStack(SIZE)
    lay = stack.add(ShapeLayer.rectangle(SIZE, 10, 10, 10, 10))
    assert _area(stack.compose(0)) == 100
    lay.dilation = 2  # cross dilation: every side moves out by 2, corners cut
    grown = _area(stack.compose(0))
    lay.dilation = -2
    shrunk = stack.compose(0)
    print("area at expansion +2/0/-2:", grown, 100, _area(shrunk))
    assert grown == 14 * 14 - 4 * 3 and np.array_equal(shrunk, _blob(12, 12, 18, 18))
    # a mask running off the picture does not pull back from the frame edge
    edge = stack.add(ShapeLayer.rectangle(SIZE, 0, 0, 5, 30, name="edge"))
    edge.dilation = -1
    assert stack.compose(0)[:, 0].all() and not stack.compose(0)[:, 4].any()
    with pytest.raises(MaskError, match="-256 to 256"):
        PaintedLayer(SIZE, dilation=-300)


def test_temporal_smoothing_removes_flicker():
    lay = PaintedLayer(SIZE)
    for i in range(N):
        lay.set(i, _blob(10, 10, 20, 20))
    flick = _blob(10, 10, 20, 20)
    flick[0:4, 0:4] = 255  # a blob on one frame only
    flick[10:20, 10:13] = 0  # and a bite out of the object on that frame
    lay.set(3, flick)
    stack = MaskStack(SIZE, [lay])
    assert _area(stack.compose(3)) == 100 + 16 - 30
    lay.smooth = 1
    assert np.array_equal(stack.compose(3), _blob(10, 10, 20, 20))
    # the window only holds frames the layer covers: a lone frame stays as painted
    lone = PaintedLayer(SIZE)
    lone.set(0, _blob(0, 0, 3, 3))
    lone.smooth = 2
    assert _area(MaskStack(SIZE, [lone]).compose(0)) == 9
    assert lay.window(0) == [0, 1] and lay.window(3) == [2, 3, 4]


def test_feather_changes_the_composed_alpha():
    stack = MaskStack(SIZE)
    lay = stack.add(ShapeLayer.rectangle(SIZE, 10, 10, 10, 10))
    hard = stack.compose_alpha(0)
    assert set(np.unique(hard)) == {0, 255}
    lay.feather = 4.0
    soft = stack.compose_alpha(0)
    inner = soft[10:20, 10:20]
    ramp = soft[15, 20:26]
    print("feathered alpha right of the edge:", ramp.tolist())
    assert (inner == 255).all() and 0 < ramp[1] < 255 and list(ramp) == sorted(ramp, reverse=True)
    assert ramp[-1] == 0
    # the hole the fill covers is every pixel with any alpha
    assert np.array_equal(stack.compose(0) > 0, soft > 0) and set(np.unique(stack.compose(0))) == {0, 255}


def test_subtract_cuts_only_layers_below():
    stack = MaskStack(SIZE)
    stack.add(ShapeLayer.rectangle(SIZE, 0, 0, 20, 20, name="a"))
    cut = stack.add(ShapeLayer.rectangle(SIZE, 10, 10, 20, 20, name="cut"))
    cut.mode = "subtract"
    top = stack.add(ShapeLayer.rectangle(SIZE, 25, 25, 5, 5, name="above"))
    m = stack.compose(0)
    assert _area(m) == 400 - 100 + 25  # the layer above the cut keeps its part under it
    assert not m[15, 15] and m[5, 5] and m[27, 27]
    stack.move(top, 0)  # now below the cut: it is cut too
    assert _area(stack.compose(0)) == 300
    parts = stack.layer_alphas(0)
    assert [lay.name for lay, _ in parts] == ["above", "a"] and not parts[0][1].any()
    # a feathered cut fades the layer below instead of clearing it
    cut.feather = 3.0
    a = stack.compose_alpha(0)
    assert a[15, 15] == 0 and 0 < a[15, 8] < 255 and a[2, 2] == 255


def test_frame_digest_follows_refinement_and_order():
    stack = MaskStack(SIZE)
    lay = stack.add(PaintedLayer(SIZE))
    for i in range(N):
        lay.set(i, _blob(i, 0, i + 5, 5))
    base = stack.frame_digest(2)
    seen = {base}
    for attr, value in (("feather", 2.0), ("smooth", 1), ("mode", "subtract"), ("dilation", -1)):
        setattr(lay, attr, value)
        d = stack.frame_digest(2)
        assert d not in seen, attr
        seen.add(d)
    lay.smooth = 1
    before = stack.frame_digest(2)
    lay.set(3, _blob(0, 20, 5, 25))  # a neighbour inside the smoothing window
    assert stack.frame_digest(2) != before


def test_layer_colours_are_distinct_and_stable():
    doc = MaskDocument(SIZE, N)
    for k in range(5):
        doc.stack.add(PaintedLayer(SIZE, name=f"p{k}"))
    assert [lay.color for lay in doc.layers] == [0, 1, 2, 3, 4]
    doc.stack.remove(doc.layers[1].id)
    new = doc.stack.add(PaintedLayer(SIZE, name="new"))
    assert new.color == 1 and len({lay.color for lay in doc.layers}) == len(doc.layers)
    assert [lay.color for lay in doc.snapshot().layers] == [lay.color for lay in doc.layers]


def test_set_layer_edit_validates_and_undoes():
    doc = MaskDocument(SIZE, N, [ShapeLayer.rectangle(SIZE, 1, 1, 5, 5)])
    lid = doc.layers[0].id
    inv = doc.apply(SetLayer(lid, "mode", "subtract"))
    assert doc.layers[0].mode == "subtract"
    doc.apply(inv)
    assert doc.layers[0].mode == "add"
    with pytest.raises(MaskError, match="add or subtract"):
        doc.apply(SetLayer(lid, "mode", "multiply"))
    with pytest.raises(MaskError, match="0 to 12"):
        doc.apply(SetLayer(lid, "smooth", 40))


def _video(tmp_path):
    p = tmp_path / "clip.mp4"
    p.write_bytes(np.random.default_rng(0).integers(0, 256, 3 << 20, dtype=np.uint8).tobytes())
    return p


def test_project_without_new_fields_round_trips_byte_identical(tmp_path):
    proj = Project.create(tmp_path / "demo", _video(tmp_path), width=W, height=H, frame_count=N)
    p = proj.layers.add(PaintedLayer(SIZE, name="brush", dilation=1))
    p.set(0, _blob(0, 0, 5, 5))
    proj.layers.add(ShapeLayer.rectangle(SIZE, 30, 20, 5, 6, name="logo"))
    proj.save()
    doc = proj.folder / "project.json"
    text = doc.read_text()
    assert "mode" not in text and "smooth" not in text and "color" not in text
    back = Project.load(proj.folder)
    assert [lay.color for lay in back.layers] == [0, 1]
    back.save()
    assert doc.read_text() == text


def test_new_fields_are_saved_and_reloaded(tmp_path):
    proj = Project.create(tmp_path / "demo", _video(tmp_path), width=W, height=H, frame_count=N)
    a = proj.layers.add(PaintedLayer(SIZE, name="track", dilation=-2))
    for i in range(N):
        a.set(i, _blob(5, 5, 25, 25))
    a.smooth, a.feather = 2, 3.5
    b = proj.layers.add(ShapeLayer.rectangle(SIZE, 10, 10, 8, 8, name="cut"))
    b.mode = "subtract"
    c = proj.layers.add(ShapeLayer.rectangle(SIZE, 0, 0, 3, 3, name="c"))
    proj.layers.remove(a)  # colours 1, 2 left; a new layer takes 0
    proj.layers.add(a, 0)
    c.color = 7
    proj.save()
    back = Project.load(proj.folder)
    got = [(lay.name, lay.dilation, lay.smooth, lay.feather, lay.mode, lay.color) for lay in back.layers]
    assert got == [("track", -2, 2, 3.5, "add", 0), ("cut", 0, 0, 0.0, "subtract", 1),
                   ("c", 0, 0, 0.0, "add", 7)]
    for i in range(N):
        assert np.array_equal(back.layers.compose_alpha(i), proj.layers.compose_alpha(i))
    text = (proj.folder / "project.json").read_text()
    back.save()
    assert (proj.folder / "project.json").read_text() == text
    # an invalid value is a clear error naming the layer
    d = json.loads(text)
    d["layers"][1]["mode"] = "xor"
    (proj.folder / "project.json").write_text(json.dumps(d))
    with pytest.raises(ProjectError, match="Layer 'cut'.*add or subtract"):
        Project.load(proj.folder)
