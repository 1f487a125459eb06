"""Batch job files (folder of projects, text lines, TOML), queueing a project, and the task plan
of a clip with a hard cut (tasks never cross a shot; every frame in exactly one task)."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from inpaint_core.batch import add_to_job_file, parse_jobs
from inpaint_core.batch.tasks import plan_task, work_dir
from inpaint_core.errors import VanishError
from inpaint_core.project import Project
from tests.synth import make_video, synth_frame


def test_text_lines_with_quotes_comments_and_relative_paths(tmp_path):
    jf = tmp_path / "jobs.txt"
    jf.write_text("# season 1\nep1.mp4 logo.png out/ep1.mp4\n\n'my clip.mov' masks/ \"out/my clip.mp4\"  # x\n")
    jobs = parse_jobs(jf, defaults={"engine": "telea"})
    assert [j.source for j in jobs] == [tmp_path / "ep1.mp4", tmp_path / "my clip.mov"]
    assert [j.masks for j in jobs] == [tmp_path / "logo.png", tmp_path / "masks"]
    assert [j.output for j in jobs] == [tmp_path / "out/ep1.mp4", tmp_path / "out/my clip.mp4"]
    assert jobs[0].settings == {"engine": "telea"} and jobs[0].name == "ep1 (line 2)"


@pytest.mark.parametrize("text, message", [
    ("a.mp4 m.png\n", "line 1: expected 'VIDEO MASKS OUTPUT'"),
    ("a.mp4 - out.mp4\n", "line 1: a video needs a mask path"),
    ("a.mp4 m.png o.mp4\nb.mp4 m.png o.mp4\n", "write the same output"),
    ("# nothing\n", "lists no jobs"),
    ("a.mp4 'm.png o.mp4\n", "line 1: No closing quotation"),
])
def test_bad_text_lines_name_the_line(tmp_path, text, message):
    jf = tmp_path / "jobs.txt"
    jf.write_text(text)
    with pytest.raises(VanishError, match=message):
        parse_jobs(jf)


def test_toml_defaults_and_per_job_settings(tmp_path):
    jf = tmp_path / "jobs.toml"
    jf.write_text('[defaults]\nengine = "telea"\nresiduals = "none"\n\n'
                  '[[job]]\nname = "ep1"\nsource = "ep1.mp4"\nmasks = "logo.png"\noutput = "ep1_clean.mp4"\n'
                  'work_size = "320x180"\ncrf = 20\n\n'
                  '[[job]]\nproject = "ep2.vanish"\noutput = "/abs/ep2.mov"\nengine = "propagate"\naudio = false\n')
    a, b = parse_jobs(jf)
    assert a.name == "ep1" and a.source == tmp_path / "ep1.mp4" and a.output == tmp_path / "ep1_clean.mp4"
    assert a.settings == {"engine": "telea", "residuals": "none", "work_size": [320, 180], "crf": 20}
    assert b.project == tmp_path / "ep2.vanish" and b.source is None and b.output == Path("/abs/ep2.mov")
    assert b.settings == {"engine": "propagate", "residuals": "none", "audio": False}


@pytest.mark.parametrize("body, message", [
    ('[[job]]\nsource = "a.mp4"\nmasks = "m.png"\noutput = "o.mp4"\nspeed = 3\n', "unknown setting 'speed'"),
    ('[[job]]\nsource = "a.mp4"\noutput = "o.mp4"\n', "give 'source' and 'masks', or 'project'"),
    ('[[job]]\nproject = "p.vanish"\n', "'output' is missing"),
    ('[[job]]\nproject = "p.vanish"\noutput = "o.mp4"\nwork_size = "big"\n', "WIDTHxHEIGHT"),
    ('[[job]]\nproject = "p.vanish"\noutput = "o.mp4"\ngrow = -1\n', "grow must be a whole number"),
    ('[[jobs]]\nproject = "p.vanish"\n', "unknown table"),
    ('[[job]\n', "not valid TOML"),
])
def test_bad_toml_is_explained(tmp_path, body, message):
    jf = tmp_path / "jobs.toml"
    jf.write_text(body)
    with pytest.raises(VanishError, match=message):
        parse_jobs(jf)


def _project(tmp_path, name):
    clip = make_video(tmp_path / f"{name}.mp4", n=6, size=(64, 48))
    m = np.zeros((48, 64), np.uint8)
    m[10:20, 10:30] = 255
    cv2.imwrite(str(tmp_path / "m.png"), m)
    return Project.create(tmp_path / f"{name}.vanish", clip.path, masks=tmp_path / "m.png")


def test_folder_of_projects_and_queueing_a_project(tmp_path):
    _project(tmp_path, "b")
    _project(tmp_path, "a")
    jobs = parse_jobs(tmp_path, out_dir=tmp_path / "clean")
    assert [(j.name, j.output) for j in jobs] == [("a", tmp_path / "clean/a_clean.mp4"), ("b", tmp_path / "clean/b_clean.mp4")]
    assert parse_jobs(tmp_path / "a.vanish")[0].output == tmp_path / "a_clean.mp4"  # one project alone
    with pytest.raises(VanishError, match="holds no NAME.vanish projects"):
        (tmp_path / "empty").mkdir()
        parse_jobs(tmp_path / "empty")
    jf = tmp_path / "queue.toml"
    assert add_to_job_file(jf, tmp_path / "a.vanish", tmp_path / "out/a.mp4", {"engine": "telea"}) == 1
    assert add_to_job_file(jf, tmp_path / "b.vanish", tmp_path / "out/b.mp4") == 2
    got = parse_jobs(jf)
    assert [j.project for j in got] == [(tmp_path / "a.vanish").resolve(), (tmp_path / "b.vanish").resolve()]
    assert got[0].settings == {"engine": "telea"} and got[1].output == (tmp_path / "out/b.mp4").resolve()
    with pytest.raises(VanishError, match="same output"):
        add_to_job_file(jf, tmp_path / "b.vanish", tmp_path / "out/b.mp4")
    assert len(parse_jobs(jf)) == 2  # the refused entry left the file as it was


def _clip_with_cut(path, n1, n2, size=(96, 64)):
    """n1 frames of the synthetic pattern, then n2 frames of a different scene (a hard cut)."""
    w, h = size
    out = av.open(str(path), "w")
    s = out.add_stream("libx264", rate=25, options={"crf": "14"})
    s.width, s.height, s.pix_fmt = w, h, "yuv420p"
    for i in range(n1 + n2):
        img = synth_frame(i, w, h) if i < n1 else np.ascontiguousarray(255 - synth_frame(i, w, h)[::-1])
        f = av.VideoFrame.from_ndarray(img, format="rgb24")
        f.pts = i
        for p in s.encode(f):
            out.mux(p)
    for p in s.encode(None):
        out.mux(p)
    out.close()


def test_plan_splits_at_the_cut_then_into_chunk_groups(tmp_path):
    _clip_with_cut(tmp_path / "cut.mp4", 130, 110)
    m = np.zeros((64, 96), np.uint8)
    m[24:44, 30:60] = 255
    cv2.imwrite(str(tmp_path / "m.png"), m)
    spec = {"name": "cut", "source": str(tmp_path / "cut.mp4"), "masks": str(tmp_path / "m.png"),
            "output": str(tmp_path / "o.mp4"), "settings": {"engine": "telea"}}
    plan = plan_task(spec, task_frames=96)
    assert plan["frames"] == 240 and plan["shots"] == [(0, 130), (130, 240)], plan["shots"]
    spans = [(t["chunks"][0][0], t["chunks"][-1][1]) for t in plan["tasks"]]
    assert spans[0][0] == 0 and spans[-1][1] == 240
    assert all(a1 == b0 for (_, a1), (b0, _) in zip(spans, spans[1:]))  # every frame once
    assert 130 in [a for a, _ in spans]  # a task starts at the cut
    for t, (a, b) in zip(plan["tasks"], spans):
        lo, hi = t["context"]
        assert (lo, hi) == ((max(0, a - 28), min(130, b + 28)) if b <= 130 else (max(130, a - 28), min(240, b + 28)))
        assert Path(t["path"]).parent == work_dir(tmp_path / "o.mp4")
    assert len({t["key"] for t in plan["tasks"]}) == len(spans) and not plan["done"]
    # the keys follow the inputs: other masks or settings give other keys
    m[0:4, 0:4] = 255
    cv2.imwrite(str(tmp_path / "m2.png"), m)
    other = plan_task({**spec, "masks": str(tmp_path / "m2.png")}, task_frames=96)
    assert all(a["key"] != b["key"] for a, b in zip(plan["tasks"], other["tasks"]))
    again = plan_task({**spec, "settings": {"engine": "telea", "residuals": "none"}}, task_frames=96)
    assert again["key"] != plan["key"]
    bad = plan_task({**spec, "source": str(tmp_path / "missing.mp4")})
    assert "missing.mp4" in bad["error"]
    own = plan_task({**spec, "output": spec["source"]})
    assert "own source video" in own["error"]
    nowhere = plan_task({**spec, "output": str(tmp_path / "no/such/folder/o.mp4")})
    assert "does not exist" in nowhere["error"] and not (tmp_path / "no").exists()


def test_a_project_job_runs_its_tasks_in_process(tmp_path):
    from inpaint_core.batch.tasks import join_task, segment_task
    from inpaint_core.video import probe

    _project(tmp_path, "p")
    (job,) = parse_jobs(tmp_path, defaults={"engine": "telea"})
    spec = job.to_json()
    plan = plan_task(spec, task_frames=3, chunk_frames=3)
    assert [t["chunks"] for t in plan["tasks"]] == [[(0, 3)], [(3, 6)]]
    segs = [segment_task(spec, t, plan["shots"]) for t in plan["tasks"]]
    assert all(not s.get("error") and not s["reused"] for s in segs), segs
    assert all(segment_task(spec, t, plan["shots"])["reused"] for t in plan["tasks"])  # verified, kept
    res = join_task(spec, plan, segs)
    assert res.get("error") is None and res["frames"] == 6 and probe(tmp_path / "p_clean.mp4").frame_count == 6
    again = plan_task(spec, task_frames=3, chunk_frames=3)
    assert again.get("done"), again  # finished and unchanged
    assert sorted(p.name for p in work_dir(tmp_path / "p_clean.mp4").iterdir()) == ["done.json"]
