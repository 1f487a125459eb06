"""Unknown engine options are refused with a message that lists the valid ones."""

import pytest

from inpaint_core.cli import main
from inpaint_core.engines import create_engine, engine_option_names
from inpaint_core.errors import VanishError


def test_unknown_option_is_refused_with_the_valid_ones():
    with pytest.raises(VanishError) as info:
        create_engine("telea", radius=3, radious=4)
    msg = str(info.value)
    assert "'radious'" in msg and "telea" in msg and "radius" in msg
    assert create_engine("telea", radius=3).radius == 3
    assert "preset" in engine_option_names("propagate") and "_ignored" not in engine_option_names("propagate")


def test_cli_says_which_options_are_valid(tmp_path, capsys):
    # a checkpoint is an option of the sttn engine only
    video = tmp_path / "v.mp4"
    from tests.app.clips import make_clip

    make_clip(video, frames=4, audio=False)
    import numpy as np
    from PIL import Image

    Image.fromarray(np.full((108, 192), 255, np.uint8)).save(tmp_path / "m.png")
    rc = main(["export", str(video), "--masks", str(tmp_path / "m.png"), "--engine", "telea",
               "--checkpoint", str(tmp_path / "x.pth"), "--out", str(tmp_path / "o.mp4")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "Unknown option 'checkpoint' for the telea engine" in err and "radius" in err
    assert not (tmp_path / "o.mp4").exists()
