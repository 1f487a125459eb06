"""Key-framed shapes: linear interpolation between keys, held outside them, edits as undo steps,
and the keys in the project file (round trip byte-identical; older projects unchanged)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from inpaint_core.errors import MaskError
from inpaint_core.masks import ShapeLayer
from inpaint_core.masks import keys as K
from inpaint_core.masks.document import History, MaskDocument, SetShape, SetShapeKeys
from inpaint_core.project import Project

W, H, N = 80, 60, 30


def _centroid(m):
    ys, xs = np.nonzero(m)
    return xs.mean(), ys.mean()


def test_rectangle_keys_interpolate_linearly_and_hold_outside():
    lay = ShapeLayer.rectangle((W, H), 10, 10, 10, 10, keys={4: [(10, 10), (20, 20)], 14: [(30, 20), (50, 40)]})
    for i in (0, 4):
        assert (lay.mask(i) > 0).sum() == 100 and _centroid(lay.mask(i)) == (14.5, 14.5)
    for i in (14, 29):
        assert (lay.mask(i) > 0).sum() == 400 and _centroid(lay.mask(i)) == (39.5, 29.5)
    # halfway: corners (20, 15) and (35, 30) -> 15 x 15 pixels centred at (27, 22)
    assert lay.points_at(9) == ((20.0, 15.0), (35.0, 30.0))
    m = lay.mask(9)
    assert (m > 0).sum() == 225 and _centroid(m) == (27.0, 22.0)
    # every in-between frame moves the centroid along the straight line
    for i in range(4, 15):
        t = (i - 4) / 10
        cx, cy = _centroid(lay.mask(i))
        assert abs(cx - (14.5 + 25 * t)) <= 0.5 and abs(cy - (14.5 + 15 * t)) <= 0.5, i


def test_polygon_keys_need_the_same_point_count():
    tri = [(0, 0), (10, 0), (0, 10)]
    lay = ShapeLayer.polygon((W, H), tri, keys={0: tri, 10: [(x + 20, y) for x, y in tri]})
    assert lay.points_at(5) == ((10.0, 0.0), (20.0, 0.0), (10.0, 10.0))
    with pytest.raises(MaskError, match="same number of points"):
        ShapeLayer.polygon((W, H), tri, keys={0: tri, 3: tri + [(5, 5)]})
    with pytest.raises(MaskError, match="no points to key"):
        ShapeLayer.from_bitmap(np.zeros((H, W), np.uint8), keys={0: tri})


def test_edit_sets_a_key_only_on_keyed_shapes_and_undoes_bit_identically():
    doc = MaskDocument((W, H), N, [ShapeLayer.rectangle((W, H), 10, 10, 10, 10, name="r")])
    lay = doc.layers[0]
    hist = History(doc)
    before = [doc.compose(i).copy() for i in range(N)]
    # no keys: an edit moves the shape on every frame
    hist.do(SetShape(lay.id, K.edit_fields(lay, 5, [(20, 10), (30, 20)])), "move")
    assert lay.keys == {} and all(_centroid(doc.compose(i))[0] == 24.5 for i in (0, 29))
    hist.undo()
    assert all(np.array_equal(doc.compose(i), before[i]) for i in range(N))
    # a key at 0, then an edit at 20 sets a second key there
    hist.do(SetShape(lay.id, K.toggle_key_fields(lay, 0)), "key")
    hist.do(SetShape(lay.id, K.edit_fields(lay, 20, [(50, 30), (60, 40)])), "move")
    assert sorted(lay.keys) == [0, 20]
    assert _centroid(doc.compose(10)) == (34.5, 24.5)
    assert doc.key_frames()[:3] == [0, 20, 29]
    # many keys in one step (what a shape tracker gives)
    digest = doc.frame_digest(7)
    inv = doc.set_shape_keys(lay.id, {f: [(10 + f, 10), (20 + f, 20)] for f in range(5, 10)})
    assert sorted(lay.keys) == [0, 5, 6, 7, 8, 9, 20] and doc.frame_digest(7) != digest
    hist.record(inv, "track")
    hist.undo()
    assert sorted(lay.keys) == [0, 20] and doc.frame_digest(7) == digest
    while hist.undo():
        pass
    assert lay.keys == {} and all(np.array_equal(doc.compose(i), before[i]) for i in range(N))


def test_removing_the_last_key_keeps_the_shape_where_it_was():
    lay = ShapeLayer.rectangle((W, H), 10, 10, 10, 10, keys={3: [(40, 30), (50, 40)]})
    doc = MaskDocument((W, H), N, [lay])
    doc.apply(SetShape(lay.id, K.toggle_key_fields(lay, 3)))
    assert lay.keys == {} and lay.rect == (40.0, 30.0, 10.0, 10.0)


def test_range_move_shifts_keys_and_trim_keeps_them():
    lay = ShapeLayer.rectangle((W, H), 10, 10, 10, 10, start=5, stop=15,
                               keys={5: [(0, 0), (5, 5)], 10: [(10, 0), (15, 5)]})
    doc = MaskDocument((W, H), N, [lay])
    doc.apply(SetShape(lay.id, K.range_fields(lay, 8, 18, move=True)))
    assert (lay.start, lay.stop) == (8, 18) and sorted(lay.keys) == [8, 13]
    doc.apply(SetShape(lay.id, K.range_fields(lay, 10, 18, move=False)))
    assert (lay.start, lay.stop) == (10, 18) and sorted(lay.keys) == [8, 13]
    with pytest.raises(MaskError, match="Invalid frame range"):
        doc.apply(SetShape(lay.id, {"start": 12, "stop": 12}))
    with pytest.raises(MaskError):
        doc.apply(SetShapeKeys(lay.id, {3: [(1, 1)]}))


def test_keys_round_trip_byte_identical_and_old_projects_load(tmp_path):
    video = tmp_path / "clip.mp4"
    video.write_bytes(np.random.default_rng(0).integers(0, 256, 3 << 20, dtype=np.uint8).tobytes())
    proj = Project.create(tmp_path / "p", video, width=W, height=H, frame_count=N)
    proj.layers.add(ShapeLayer.rectangle((W, H), 10, 10, 10, 10, name="still"))
    proj.layers.add(ShapeLayer.rectangle((W, H), 1, 1, 5, 5, name="keyed", start=2,
                                         keys={2: [(1.25, 1), (6, 6)], 12: [(40, 30.5), (70, 50)]}))
    tri = [(0, 0), (9, 0), (0, 9)]
    proj.layers.add(ShapeLayer.polygon((W, H), tri, name="poly",
                                       keys={0: tri, 20: [(x + 30, y + 20) for x, y in tri]}))
    proj.save()
    path = proj.folder / "project.json"
    first = path.read_bytes()
    doc = json.loads(first)
    assert "keys" not in doc["layers"][0]  # a stationary shape is written as before
    assert doc["layers"][1]["keys"] == {"2": [[1.25, 1.0], [6.0, 6.0]], "12": [[40.0, 30.5], [70.0, 50.0]]}
    back = Project.load(proj.folder)
    assert back.layers.layers[1].keys == proj.layers.layers[1].keys
    for i in range(N):
        assert np.array_equal(back.layers.compose(i), proj.layers.compose(i)), i
        assert back.layers.frame_digest(i) == proj.layers.frame_digest(i), i
    back.save()
    assert path.read_bytes() == first
    # a project written before keys existed (no "keys" field) loads stationary
    for lay in doc["layers"]:
        lay.pop("keys", None)
    path.write_text(json.dumps(doc, indent=1) + "\n")
    old = Project.load(proj.folder)
    assert all(lay.keys == {} for lay in old.layers)
    doc["layers"][1]["keys"] = {"x": []}
    path.write_text(json.dumps(doc, indent=1) + "\n")
    with pytest.raises(Exception, match="keys"):
        Project.load(proj.folder)


def test_cli_export_of_a_project_follows_the_interpolated_shape(tmp_path):
    import av

    from inpaint_core.cli import main
    from tests.app.clips import make_clip

    video = make_clip(tmp_path / "v.mp4", frames=12, audio=False)  # 192x108, a texture moving
    folder = tmp_path / "p.vanish"
    assert main(["project", "new", str(video), "--out", str(folder)]) == 0
    proj = Project.load(folder)
    proj.layers.add(ShapeLayer.rectangle(proj.size, 10, 10, 30, 30, name="keyed",
                                         keys={0: [(10, 10), (40, 40)], 11: [(140, 60), (170, 90)]}))
    proj.save()
    out = tmp_path / "o.mkv"
    assert main(["export", str(folder), "--engine", "telea", "--out", str(out)]) == 0

    def frames(path):
        with av.open(str(path)) as c:
            return [f.to_ndarray(format="rgb24").astype(int) for f in c.decode(video=0)]

    src, got = frames(video), frames(out)
    assert len(got) == 12
    # frame 6: the shape is 6/11 of the way, at (80.9, 37.3)-(110.9, 67.3)
    got6 = np.array(proj.layers.layers[-1].points_at(6))
    assert np.allclose(got6, [(10 + 130 * 6 / 11, 10 + 50 * 6 / 11), (40 + 130 * 6 / 11, 40 + 50 * 6 / 11)])
    diff = np.abs(got[6] - src[6]).sum(axis=2)
    assert diff[40:65, 84:108].mean() > 10  # filled where the interpolated shape is
    assert (diff[0:45, 0:50] == 0).all()  # untouched where the first key had it
    assert (diff[:, 125:] == 0).all()  # and where the last key has it
    diff0 = np.abs(got[0] - src[0]).sum(axis=2)
    assert diff0[14:36, 14:36].mean() > 10 and (diff0[:, 60:] == 0).all()
