"""The model store and imports: location, install markers, import from a file or folder with hash
and structure checks, removal, and the ``vanish models`` commands."""

from __future__ import annotations

import hashlib
import os
import shutil

import pytest

from inpaint_core import models
from inpaint_core.cli import main
from inpaint_core.errors import ModelError
from inpaint_core.models import ModelSpec
from inpaint_core.models.store import marker_path
from tests.model_server import Behaviour, LocalServer

PAYLOAD = b"weights " * 50000
DIGEST = hashlib.sha256(PAYLOAD).hexdigest()
# sha256 of this text starts with 01ec64, the prefix of sam_vit_b_01ec64.pth (nonce found offline),
# so only the structure check can reject it
FAKE_SAM = b"not a SAM checkpoint, only its name's hash prefix matches: 8774068"


@pytest.fixture(autouse=True)
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("VANISH_MODELS_DIR", str(tmp_path / "store"))
    return tmp_path / "store"


@pytest.fixture
def testnet(monkeypatch):
    spec = ModelSpec(name="testnet", engine="test", title="Test weights", file_name="testnet.bin",
                     urls=("http://127.0.0.1:9/x",), licence="test licence", manual="make it.",
                     sha256=DIGEST)
    monkeypatch.setitem(models.MODELS, "testnet", spec)
    return spec


def test_models_dir_override_and_test_default(store, monkeypatch):
    assert models.models_dir() == store
    monkeypatch.delenv("VANISH_MODELS_DIR")
    monkeypatch.setenv("VANISH_TESTING", "1")
    assert "vanish-test-models" in str(models.models_dir())
    monkeypatch.delenv("VANISH_TESTING")
    d = models.models_dir()
    assert d.name == "models" and "vanish" in str(d)


def test_import_file_installs_and_marker_guards_changes(tmp_path, store, testnet):
    src = tmp_path / "download" / "weights.bin"
    src.parent.mkdir()
    src.write_bytes(PAYLOAD)
    path = models.import_model("testnet", src)
    assert path == store / "testnet.bin" and path.read_bytes() == PAYLOAD and src.exists()
    assert models.installed_path("testnet") == path
    assert [p.name for p in store.iterdir() if p.name.startswith(".") and "import" in p.name] == []
    # a file swapped behind the store's back no longer counts as installed
    path.write_bytes(PAYLOAD[:-1] + b"X")
    assert models.installed_path("testnet") is None and models.status("testnet").state == "unverified"
    assert models.remove("testnet") and not path.exists() and not marker_path(path).exists()
    assert not models.remove("testnet")


def test_import_from_folder(tmp_path, testnet):
    folder = tmp_path / "stuff"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "testnet.bin").write_bytes(PAYLOAD)
    (folder / "other.pth").write_bytes(b"x")
    assert models.import_model("testnet", folder).read_bytes() == PAYLOAD
    amb = tmp_path / "amb"
    amb.mkdir()
    (amb / "a.pth").write_bytes(b"1")
    (amb / "b.pth").write_bytes(b"2")
    with pytest.raises(ModelError, match="Cannot tell which file.*a.pth, b.pth"):
        models.import_model("testnet", amb)


def test_import_rejects_a_wrong_file_and_installs_nothing(tmp_path, store, testnet):
    src = tmp_path / "w.bin"
    src.write_bytes(PAYLOAD[:-10])
    with pytest.raises(ModelError, match="was not imported as testnet.*sha256"):
        models.import_model("testnet", src)
    assert list(store.iterdir()) == [] and not models.is_installed("testnet")
    with pytest.raises(ModelError, match="does not exist.*vanish models import testnet"):
        models.import_model("testnet", tmp_path / "missing.bin")


def test_sam_import_checks_prefix_then_structure(tmp_path, store):
    wrong = tmp_path / "sam_vit_b_01ec64.pth"
    wrong.write_bytes(b"something else")
    with pytest.raises(ModelError, match="starts with 01ec64"):
        models.import_model("sam_vit_b", wrong)
    fake = tmp_path / "fake.pth"
    fake.write_bytes(FAKE_SAM)
    assert hashlib.sha256(FAKE_SAM).hexdigest().startswith("01ec64")
    with pytest.raises(ModelError, match="not a valid SAM vit_b checkpoint"):
        models.import_model("sam_vit_b", fake)
    assert list(store.iterdir()) == []


def test_cli_list_download_import_remove(tmp_path, store, testnet, capsys):
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert f"model store: {store}" in out
    for name in ("sttn", "sam_vit_b", "sam_vit_l", "sam_vit_h", "testnet"):
        assert name in out
    assert "not installed" in out

    with LocalServer(Behaviour(files={"/t.bin": PAYLOAD})) as srv:
        assert main(["models", "download", "testnet", "--url", srv.url("/t.bin")]) == 0
    assert "installed testnet" in capsys.readouterr().out
    assert main(["models", "list"]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("testnet"))
    assert "installed" in line and "400.0 kB" in line and str(store / "testnet.bin") in line

    assert main(["models", "remove", "testnet"]) == 0
    assert not (store / "testnet.bin").exists()
    src = tmp_path / "w.bin"
    src.write_bytes(PAYLOAD)
    assert main(["models", "import", "testnet", str(src)]) == 0
    assert models.is_installed("testnet")

    with LocalServer(Behaviour(status={"/t.bin": 503})) as srv:
        assert main(["models", "download", "testnet", "--force", "--url", srv.url("/t.bin")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "HTTP 503" in err and "vanish models import testnet" in err
    assert main(["models", "download", "nope"]) == 2
    assert "Unknown model 'nope'" in capsys.readouterr().err


def test_import_does_not_follow_into_a_read_only_store(tmp_path, monkeypatch, testnet):
    if os.geteuid() == 0:
        blocker = tmp_path / "file"
        blocker.write_text("x")
        monkeypatch.setenv("VANISH_MODELS_DIR", str(blocker / "models"))  # parent is a file
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        monkeypatch.setenv("VANISH_MODELS_DIR", str(ro / "models"))
    src = tmp_path / "w.bin"
    src.write_bytes(PAYLOAD)
    with pytest.raises(ModelError, match="Cannot create the model folder.*VANISH_MODELS_DIR"):
        models.import_model("testnet", src)
    shutil.rmtree(tmp_path / "ro", ignore_errors=True)


def test_sam_structure_rejects_other_state_dicts(tmp_path):
    import torch

    from inpaint_core.models.verify import check_structure

    p = tmp_path / "other.pth"
    torch.save({"encoder.0.weight": torch.zeros(2, 2)}, p)
    with pytest.raises(ModelError, match="no SAM image encoder weights"):
        check_structure(models.get_spec("sam_vit_b"), p)


def test_import_sttn_fixture_and_reject_a_truncated_copy(tmp_path, store):
    from tests.shared import shared_path

    fixture = shared_path("fixtures", "sttn_reference", "sttn_random_weights.pth")
    truncated = tmp_path / "sttn.pth"
    truncated.write_bytes(fixture.read_bytes()[: fixture.stat().st_size // 2])
    with pytest.raises(ModelError, match="was not imported as sttn.*truncated or corrupted"):
        models.import_model("sttn", truncated)
    assert list(store.iterdir()) == [] and models.installed_path("sttn") is None

    path = models.import_model("sttn", fixture)
    assert path == store / "sttn.pth" and path.stat().st_size == fixture.stat().st_size
    assert models.installed_path("sttn") == path
    marker = marker_path(path).read_text()
    assert hashlib.sha256(fixture.read_bytes()).hexdigest() in marker


def test_sam_structure_accepts_a_complete_state_dict_and_rejects_a_wrong_shape(tmp_path):
    """A vit_b state dict with every released key and shape builds; one wrong shape does not.
    (Zero tensors made from the meta-device model: the real checkpoints are never downloaded.)"""
    import torch
    from segment_anything import sam_model_registry

    from inpaint_core.models.verify import check_structure

    with torch.device("meta"):
        ref = sam_model_registry["vit_b"]()
    shapes = {k: v.shape for k, v in ref.state_dict().items()}
    # first every image-encoder tensor has a wrong (tiny) shape, then all have the released shapes
    state = {k: torch.zeros(1) if k.startswith("image_encoder.") else torch.zeros(s)
             for k, s in shapes.items()}
    p = tmp_path / "sam.pth"
    torch.save(state, p)
    with pytest.raises(ModelError, match="(?s)not a valid SAM vit_b checkpoint.*size mismatch"):
        check_structure(models.get_spec("sam_vit_b"), p)
    state = {k: torch.zeros(s) for k, s in shapes.items()}
    torch.save(state, p)
    check_structure(models.get_spec("sam_vit_b"), p)
    with pytest.raises(ModelError, match="not a valid SAM vit_l checkpoint"):
        check_structure(models.get_spec("sam_vit_l"), p)
