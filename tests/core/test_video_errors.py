"""Bad input gives a VideoError/OutputError with a clear message; the CLI exits 2 without a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import pytest

from inpaint_core.cli import main
from inpaint_core.errors import OutputError, VideoError
from inpaint_core.video import VideoReader, VideoWriter, probe
from tests.synth import make_audio, make_video

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    good = make_video(d / "good.mp4", n=30, audio=True)
    data = good.path.read_bytes()
    (d / "text.mp4").write_text("This is a text file, not a video.\n" * 20)
    (d / "half.mp4").write_bytes(data[: len(data) // 2])
    (d / "empty.mp4").write_bytes(b"")
    (d / "folder.mp4").mkdir()
    make_audio(d / "audio.m4a")
    # a "fast start" MP4 (index first) cut in half: it opens, but frames are missing
    with av.open(str(good.path)) as src, av.open(str(d / "fs.mp4"), "w", options={"movflags": "faststart"}) as dst:
        outs = {s.index: dst.add_stream_from_template(s) for s in src.streams}
        for pkt in src.demux():
            if pkt.dts is not None:
                pkt.stream = outs[pkt.stream_index]
                dst.mux(pkt)
    fs = (d / "fs.mp4").read_bytes()
    (d / "fs_half.mp4").write_bytes(fs[: len(fs) // 2])
    make_video(d / "long.mkv", n=30)
    mkv = (d / "long.mkv").read_bytes()
    (d / "mkv_half.mkv").write_bytes(mkv[: len(mkv) // 2])
    return d


CASES = {
    "text.mp4": "not a video format",
    "half.mp4": "incomplete",
    "empty.mp4": "empty",
    "folder.mp4": "is a folder",
    "audio.m4a": "no video stream",
    "fs_half.mp4": "truncated",
    "mkv_half.mkv": "truncated",
    "missing.mp4": "not found",
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_raises_video_error(bad, name):
    with pytest.raises(VideoError, match=CASES[name]):
        probe(bad / name)
    with pytest.raises(VideoError, match=CASES[name]):
        VideoReader(bad / name)


@pytest.mark.parametrize("name", list(CASES))
def test_cli_info_exits_2_with_message(bad, name, capsys):
    assert main(["info", str(bad / name)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and CASES[name] in err
    assert "Traceback" not in err


def test_cli_subprocess_no_traceback(bad):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    res = subprocess.run([sys.executable, "-m", "inpaint_core.cli", "info", str(bad / "half.mp4")],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr and res.stderr.startswith("error: ")
    assert res.stdout == ""


def test_good_file_still_reads(bad):
    assert probe(bad / "good.mp4").frame_count == 30


def test_unwritable_output_folder(bad, tmp_path):
    if os.geteuid() == 0:  # root ignores permission bits; /proc refuses new files for everyone
        folder = Path("/proc")
    else:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o500)
    with pytest.raises(OutputError, match="not writable"):
        VideoWriter(folder / "out.mp4", width=96, height=64, time_base=Fraction(1, 25), rate=Fraction(25))
    with pytest.raises(OutputError, match="not writable"):
        VideoWriter(folder / "frames", width=96, height=64, time_base=Fraction(1, 25), rate=Fraction(25))
