"""Fault matrix, inputs: every bad input a user can give gets exit 2 and a message naming the file,
or an explicit notice where the rule is to go on (issue cases 3, 4, 6, 7, 9 and 10, and the cases
that already held)."""

from __future__ import annotations

import json
import os
import sys
import warnings

import av
import numpy as np
import pytest
from PIL import Image

from inpaint_core.masks import read_mask_image
from tests.reliability.faults import (
    FAST,
    SIZE,
    assert_nothing_written,
    assert_refused,
    cli,
    png_header_only,
    save_mask,
    sha,
)
from tests.synth import make_video

# -- case 3: masks that cover everything or nothing, and masks held in the alpha channel ----------


def test_full_frame_mask_is_refused(work, capsys):
    save_mask(work / "white.png", rect=(0, 0, *SIZE))
    before = sha(work / "clip.mp4")
    rc, _, err = cli(capsys, "export", "clip.mp4", "--masks", "white.png", "--out", "o.mp4", *FAST)
    assert_refused(rc, err, "white.png", "whole picture")
    assert_nothing_written(work / "o.mp4")
    assert sha(work / "clip.mp4") == before


def test_empty_mask_gives_a_notice_and_a_copy(work, capsys):
    save_mask(work / "black.png", value=0)
    rc, _, err = cli(capsys, "export", "clip.mp4", "--masks", "black.png", "--out", "o.mp4", *FAST)
    assert rc == 0, err
    assert "note: the mask black.png marks nothing to remove" in err
    assert (work / "o.mp4").is_file()


def test_alpha_channel_is_the_mask_when_the_colour_carries_none(work, capsys):
    w, h = SIZE
    rgba = np.zeros((h, w, 4), np.uint8)  # a black logo on a transparent background
    rgba[10:30, 40:70, 3] = 255
    Image.fromarray(rgba, "RGBA").save(work / "logo.png")
    m = read_mask_image(work / "logo.png")
    assert int((m > 0).sum()) == 20 * 30 and m[20, 50] == 255 and m[5, 5] == 0
    rc, _, err = cli(capsys, "masks", "import", "logo.png", "--size", f"{w}x{h}", "--frames", "1", "--out", "m")
    assert rc == 0, err
    assert np.array_equal(read_mask_image(work / "m" / "00000.png"), m)


# -- case 4: user errors that reached the user as "internal error" -------------------------------


def test_models_import_into_an_unwritable_store(work, capsys, monkeypatch):
    if not os.path.isdir("/proc/self"):
        pytest.skip("needs /proc (an existing folder nobody can create files in)")
    (work / "sttn.pth").write_bytes(b"\0" * 100)
    monkeypatch.setenv("VANISH_MODELS_DIR", "/proc")
    rc, _, err = cli(capsys, "models", "import", "sttn", "sttn.pth")
    assert_refused(rc, err, "/proc", "VANISH_MODELS_DIR")


def _project(work, capsys, **settings):
    assert cli(capsys, "project", "new", "clip.mp4", "--masks", "mask.png", "--out", "p.vanish")[0] == 0
    doc_path = work / "p.vanish" / "project.json"
    doc = json.loads(doc_path.read_text())
    doc["settings"].update(settings)
    doc_path.write_text(json.dumps(doc))
    return doc_path


def test_nan_feather_in_a_project(work, capsys):
    doc = _project(work, capsys, feather=float("nan"))
    assert "NaN" in doc.read_text()
    rc, out, err = cli(capsys, "project", "check", "p.vanish")
    assert rc == 2 and "feather" in out + err and "OK" not in out
    rc, _, err = cli(capsys, "export", "p.vanish", "--out", "o.mp4", *FAST)
    assert_refused(rc, err, "feather", "project.json")
    assert_nothing_written(work / "o.mp4")
    rc, _, err = cli(capsys, "export", "clip.mp4", "--masks", "mask.png", "--out", "o.mp4", "--feather", "nan")
    assert_refused(rc, err, "--feather")


@pytest.mark.parametrize("side", [30000, 12000])
def test_mask_whose_header_is_a_decompression_bomb(work, capsys, side):
    png_header_only(work / "bomb.png", side, side)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        rc, _, err = cli(capsys, "masks", "import", "bomb.png", "--size", "96x64", "--frames", "1", "--out", "m")
        assert_refused(rc, err, "bomb.png", "too large")
        assert not (work / "m").exists()
        rc, _, err = cli(capsys, "export", "clip.mp4", "--masks", "bomb.png", "--out", "o.mp4")
        assert_refused(rc, err, "bomb.png", "too large")
        assert_nothing_written(work / "o.mp4")
    assert not [w for w in seen if issubclass(w.category, Image.DecompressionBombWarning)]


# -- case 6: masks of another size ------------------------------------------------------------


def test_mask_of_another_aspect_ratio_is_refused_naming_both_sizes(work, capsys):
    save_mask(work / "wrong.png", size=(90, 80), rect=(10, 10, 30, 30))
    rc, _, err = cli(capsys, "export", "clip.mp4", "--masks", "wrong.png", "--out", "o.mp4", *FAST)
    assert_refused(rc, err, "wrong.png", "90x80", "96x64")
    assert_nothing_written(work / "o.mp4")


def test_mask_of_the_same_aspect_ratio_is_scaled_with_a_notice(work, capsys):
    save_mask(work / "small.png", size=(48, 32), rect=(10, 8, 25, 20))
    rc, _, err = cli(capsys, "export", "clip.mp4", "--masks", "small.png", "--out", "o.mp4", *FAST)
    assert rc == 0, err
    assert "note: the mask small.png is 48x32; it is scaled to the video's 96x64" in err


# -- case 7: an audio track cut short -----------------------------------------------------------


def _truncated_audio(folder):
    """An MP4 with its index first whose end is missing inside the audio packets that follow the
    last video packet: the video is complete, the audio ends early."""
    good = make_video(folder / "good.mp4", n=25, size=SIZE, audio=True)
    with av.open(str(good.path)) as src, av.open(str(folder / "fs.mp4"), "w", options={"movflags": "faststart"}) as dst:
        outs = {s.index: dst.add_stream_from_template(s) for s in src.streams}
        for pkt in src.demux():
            if pkt.dts is not None:
                pkt.stream = outs[pkt.stream_index]
                dst.mux(pkt)
    data = (folder / "fs.mp4").read_bytes()
    with av.open(str(folder / "fs.mp4")) as c:
        pkts = [(p.stream.type, p.pos, p.size) for p in c.demux() if p.size]
    last_video = max(pos + size for kind, pos, size in pkts if kind == "video")
    audio = [pos for kind, pos, _ in pkts if kind == "audio"]
    tail = sorted(a for a in audio if a >= last_video)  # audio packets after the last video one
    cut = tail[len(tail) // 3] + 7
    (folder / "cut.mp4").write_bytes(data[:cut])
    return folder / "cut.mp4"


def test_truncated_audio_is_told_not_dropped_in_silence(work, capsys):
    cut = _truncated_audio(work)
    rc, _, err = cli(capsys, "info", "--no-shots", cut.name)
    assert rc == 0 and "cut.mp4 is cut short" in err
    rc, _, err = cli(capsys, "export", cut.name, "--masks", "mask.png", "--out", "o.mp4", *FAST)
    assert rc == 0, err
    assert "note: the audio track #1 of cut.mp4 is cut short" in err and "--no-audio" in err


# -- case 9: model import messages ----------------------------------------------------------------


class _Payload:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_checkpoint_carrying_code_is_reported_as_such(work, capsys):
    torch = pytest.importorskip("torch")
    torch.save({"netG": {"w": _Payload()}}, work / "evil.pth")
    rc, out, err = cli(capsys, "models", "import", "sttn", "evil.pth")
    assert_refused(rc, err, "evil.pth", "carries Python code")
    assert "this must never run" not in out + err
    assert "weights_only" not in err and "download it again" not in err.lower()
    assert ".import" not in err  # the user's file is named, not the hidden copy that was checked


# -- case 10: project check agrees with export ---------------------------------------------------


def test_project_check_reports_an_unknown_engine(work, capsys):
    _project(work, capsys, engine="magic")
    rc, out, _ = cli(capsys, "project", "check", "p.vanish")
    assert rc == 2 and "'magic'" in out
    rc, _, err = cli(capsys, "export", "p.vanish", "--out", "o.mp4")
    assert_refused(rc, err, "magic")
    assert_nothing_written(work / "o.mp4")


def test_project_check_reports_a_layer_past_the_end_of_the_clip(work, capsys):
    doc_path = _project(work, capsys)
    doc = json.loads(doc_path.read_text())
    doc["layers"][0]["start"] = 50  # the clip has 12 frames
    doc["layers"][0]["stop"] = 60
    doc_path.write_text(json.dumps(doc))
    rc, out, _ = cli(capsys, "project", "check", "p.vanish")
    assert rc == 2 and "past the end of the clip" in out
    rc, _, err = cli(capsys, "export", "p.vanish", "--out", "o.mp4", *FAST)
    assert_refused(rc, err, "past the end of the clip")
    assert_nothing_written(work / "o.mp4")


# -- cases that already held: they stay in the matrix ---------------------------------------------


def _text_video(work):
    (work / "v.mp4").write_text("not a video\n" * 50)
    return ["export", "v.mp4", "--masks", "mask.png", "--out", "o.mp4"], "v.mp4"


def _half_video(work):
    data = (work / "clip.mp4").read_bytes()
    (work / "v.mp4").write_bytes(data[: len(data) // 2])
    return ["export", "v.mp4", "--masks", "mask.png", "--out", "o.mp4"], "v.mp4"


def _missing_mask(work):
    return ["export", "clip.mp4", "--masks", "nope.png", "--out", "o.mp4"], "nope.png"


def _mask_count(work):
    (work / "mf").mkdir()
    for i in range(3):
        save_mask(work / "mf" / f"{i}.png")
    return ["export", "clip.mp4", "--masks", "mf", "--out", "o.mp4"], "mf"


def _missing_folder(work):
    return ["export", "clip.mp4", "--masks", "mask.png", "--out", "no/such/o.mp4"], "no/such"


def _bad_extension(work):
    return ["export", "clip.mp4", "--masks", "mask.png", "--out", "o.xyz"], "o.xyz"


def _corrupt_project(work):
    (work / "c.vanish").mkdir()
    (work / "c.vanish" / "project.json").write_text("{ not json")
    return ["export", "c.vanish", "--out", "o.mp4"], "project.json"


@pytest.mark.parametrize("make", [_text_video, _half_video, _missing_mask, _mask_count, _missing_folder,
                                  _bad_extension, _corrupt_project])
def test_known_bad_inputs_still_refused_cleanly(work, capsys, make):
    argv, name = make(work)
    inputs = {p: sha(p) for p in work.iterdir() if p.is_file()}
    rc, _, err = cli(capsys, *argv)
    assert_refused(rc, err, name)
    target = work / argv[argv.index("--out") + 1]
    if target.parent.is_dir():
        assert_nothing_written(target)
    assert {p: sha(p) for p in inputs} == inputs
    assert sys.exc_info() == (None, None, None)
