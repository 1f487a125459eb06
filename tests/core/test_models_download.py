"""Model downloads against a local HTTP server on 127.0.0.1 (never the real network): complete and
verify, resume after an interruption, reject corrupt files, clear errors naming the manual import,
Google Drive's confirmation step."""

from __future__ import annotations

import hashlib
import socket

import numpy as np
import pytest

from inpaint_core import models
from inpaint_core.errors import Cancelled, ModelError
from inpaint_core.jobs import CancelToken, Progress
from inpaint_core.models import ModelSpec
from inpaint_core.models.store import marker_path, part_path
from tests.model_server import Behaviour, LocalServer

DATA = np.random.default_rng(7).integers(0, 256, (3 << 20) + 12345, dtype=np.uint8).tobytes()
DIGEST = hashlib.sha256(DATA).hexdigest()


def _spec(name="testnet", **kw):
    base = dict(name=name, engine="test", title="Test weights", file_name=f"{name}.bin",
                urls=("http://127.0.0.1:9/never-used",), licence="test licence",
                manual="ask the test for the file.")
    base.update(kw)
    return ModelSpec(**base)


@pytest.fixture(autouse=True)
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("VANISH_MODELS_DIR", str(tmp_path / "store"))
    return tmp_path / "store"


@pytest.fixture
def register(monkeypatch):
    def _add(spec):
        monkeypatch.setitem(models.MODELS, spec.name, spec)
        return spec
    return _add


def test_download_completes_and_verifies(store, register):
    register(_spec(sha256=DIGEST))
    events = []
    with LocalServer(Behaviour(files={"/w.bin": DATA})) as srv:
        path = models.download("testnet", url=srv.url("/w.bin"), progress=events.append)
        assert path == store / "testnet.bin" and path.read_bytes() == DATA
        assert models.installed_path("testnet") == path and models.is_installed("testnet")
        assert models.status("testnet").state == "installed"
        assert not part_path(path).exists() and marker_path(path).is_file()
        dl = [e for e in events if isinstance(e, Progress) and e.stage.startswith("downloading")]
        assert dl[-1].done == dl[-1].total == len(DATA)
        assert all(a.done <= b.done for a, b in zip(dl, dl[1:]))
        assert any(e.stage.startswith("verifying") for e in events)
        n = len(srv.behaviour.log)
        assert models.download("testnet", url=srv.url("/w.bin")) == path  # installed: no request
        assert len(srv.behaviour.log) == n


def test_interrupted_download_resumes_in_the_same_call(register):
    register(_spec(sha256=DIGEST))
    cut = (1 << 20) + 4321
    with LocalServer(Behaviour(files={"/w.bin": DATA}, cut_after={"/w.bin": cut})) as srv:
        path = models.download("testnet", url=srv.url("/w.bin"))
        assert path.read_bytes() == DATA
        assert [r for _, r in srv.behaviour.log] == [None, f"bytes={cut}-"]


def test_interrupted_download_resumes_on_the_next_call(register):
    register(_spec(sha256=DIGEST))
    cut = 2 << 20
    with LocalServer(Behaviour(files={"/w.bin": DATA}, cut_after={"/w.bin": cut})) as srv:
        with pytest.raises(ModelError, match="interrupted.*Run the same command again to resume"):
            models.download("testnet", url=srv.url("/w.bin"), retries=0)
        st = models.status("testnet")
        assert st.state == "partial" and st.size == cut and not models.is_installed("testnet")
        path = models.download("testnet", url=srv.url("/w.bin"))
        assert path.read_bytes() == DATA
        assert srv.behaviour.log[-1][1] == f"bytes={cut}-"


def test_server_ignoring_range_starts_over(register):
    register(_spec(sha256=DIGEST))
    b = Behaviour(files={"/w.bin": DATA}, cut_after={"/w.bin": 5000}, honour_range=False)
    with LocalServer(b) as srv:
        path = models.download("testnet", url=srv.url("/w.bin"))
        assert path.read_bytes() == DATA and len(b.log) == 2 and b.log[1][1] == "bytes=5000-"


def test_cancel_keeps_the_partial_file_for_later(register):
    register(_spec(sha256=DIGEST))
    token = CancelToken()

    def on_event(e):
        if isinstance(e, Progress) and e.done >= (1 << 20):
            token.cancel()

    with LocalServer(Behaviour(files={"/w.bin": DATA})) as srv:
        with pytest.raises(Cancelled):
            models.download("testnet", url=srv.url("/w.bin"), progress=on_event, cancel=token)
        assert models.status("testnet").state == "partial"
        assert models.download("testnet", url=srv.url("/w.bin")).read_bytes() == DATA


def test_corrupted_file_is_rejected_and_removed(store, register):
    register(_spec(sha256=DIGEST))
    bad = bytearray(DATA)
    bad[123456] ^= 1
    with LocalServer(Behaviour(files={"/w.bin": bytes(bad)})) as srv:
        with pytest.raises(ModelError, match="failed verification and was removed.*sha256"):
            models.download("testnet", url=srv.url("/w.bin"))
    assert not models.is_installed("testnet")
    assert [p.name for p in store.iterdir()] == []


def test_sha256_prefix_in_the_name_is_checked(register):
    register(_spec(sha256_prefix=DIGEST[:6]))
    with LocalServer(Behaviour(files={"/ok.bin": DATA, "/short.bin": DATA[:-1]})) as srv:
        with pytest.raises(ModelError, match=f"starts with {DIGEST[:6]}"):
            models.download("testnet", url=srv.url("/short.bin"))
        assert models.download("testnet", url=srv.url("/ok.bin")).read_bytes() == DATA


def test_server_error_names_the_manual_import(register):
    register(_spec(sha256=DIGEST))
    with LocalServer(Behaviour(status={"/w.bin": 500})) as srv:
        with pytest.raises(ModelError) as err:
            models.download("testnet", url=srv.url("/w.bin"))
    msg = str(err.value)
    assert "HTTP 500" in msg and "vanish models import testnet /path/to/testnet.bin" in msg
    assert "ask the test for the file" in msg


def test_unreachable_host_and_silent_host_fail_with_the_import_route(register):
    register(_spec(sha256=DIGEST))
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens on this port now
    with pytest.raises(ModelError, match="cannot reach 127.0.0.1.*vanish models import testnet"):
        models.download("testnet", url=f"http://127.0.0.1:{port}/w.bin")
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts connections into its backlog but never answers
    try:
        with pytest.raises(ModelError, match="(did not answer|no answer) within 0.5 s.*models import"):
            models.download("testnet", url=f"http://127.0.0.1:{silent.getsockname()[1]}/w.bin",
                            timeout=0.5)
    finally:
        silent.close()


def test_url_override_from_the_environment(register, monkeypatch):
    register(_spec(sha256=DIGEST))
    with LocalServer(Behaviour(files={"/env.bin": DATA})) as srv:
        monkeypatch.setenv("VANISH_MODEL_URL_TESTNET", srv.url("/env.bin"))
        assert models.download("testnet").read_bytes() == DATA


@pytest.mark.parametrize("style", ["form", "link"])
def test_google_drive_confirmation_step(register, style):
    register(_spec(name="drive", sha256=DIGEST, gdrive_id="abcDEF123"))
    b = Behaviour(gdrive={"abcDEF123": DATA}, gdrive_style=style)
    with LocalServer(b) as srv:
        path = models.download("drive", url=srv.url("/uc?export=download&id=abcDEF123"))
        assert path.read_bytes() == DATA
    assert len(b.log) == 2
    if style == "form":
        assert b.log[1][0].startswith("/download?") and "uuid=5f1c-0e1d" in b.log[1][0]
    else:
        assert "confirm=Xk4q" in b.log[1][0]


def test_google_drive_resume_goes_through_the_confirmation_again(register):
    register(_spec(name="drive", sha256=DIGEST, gdrive_id="abc"))
    b = Behaviour(gdrive={"abc": DATA}, cut_after={"abc": 777777})
    with LocalServer(b) as srv:
        assert models.download("drive", url=srv.url("/uc?export=download&id=abc")).read_bytes() == DATA
    assert [r for _, r in b.log] == [None, None, "bytes=777777-", "bytes=777777-"]


def test_google_drive_quota_page_is_a_clear_error(register):
    register(_spec(name="drive", sha256=DIGEST, gdrive_id="abc"))
    with LocalServer(Behaviour(gdrive={"abc": DATA}, gdrive_style="blocked")) as srv:
        with pytest.raises(ModelError, match="web page instead of the file.*vanish models import drive"):
            models.download("drive", url=srv.url("/uc?export=download&id=abc"))


def test_registry_entries():
    assert list(models.MODELS) == ["sttn", "sam_vit_b", "sam_vit_l", "sam_vit_h", "sam21_tiny",
                                   "sam21_small", "sam21_base_plus", "sam21_large"]
    sttn = models.get_spec("sttn")
    assert sttn.gdrive_id == "1ZAMV8547wmZylKRt5qR_tC5VlosXD4Wv" and sttn.gdrive_id in sttn.url()
    assert sttn.structure == "sttn" and sttn.sha256 is None
    for kind, digest in (("vit_b", "01ec64"), ("vit_l", "0b3195"), ("vit_h", "4b8939")):
        spec = models.get_spec(f"sam_{kind}")
        assert spec.url() == f"https://dl.fbaipublicfiles.com/segment_anything/sam_{kind}_{digest}.pth"
        assert spec.sha256_prefix == digest and spec.structure == f"sam:{kind}"
        assert "Apache" in spec.licence
    with pytest.raises(ModelError, match="Unknown model 'nope'.*sam_vit_b"):
        models.get_spec("nope")


def test_sttn_download_through_drive_confirmation_is_checked_by_structure(store, monkeypatch):
    from tests.shared import shared_path

    weights = shared_path("fixtures", "sttn_reference", "sttn_random_weights.pth").read_bytes()
    sid = models.get_spec("sttn").gdrive_id
    b = Behaviour(gdrive={sid: weights[: 1 << 20]})  # first a truncated file (served completely)
    with LocalServer(b) as srv:
        monkeypatch.setenv("VANISH_MODEL_URL_STTN", srv.url(f"/uc?export=download&id={sid}"))
        with pytest.raises(ModelError, match="failed verification and was removed.*truncated"):
            models.download("sttn")
        assert list(store.iterdir()) == []
        b.gdrive[sid] = weights
        path = models.download("sttn")
    assert path.name == "sttn.pth" and models.installed_path("sttn") == path
    assert path.stat().st_size == len(weights)


def test_sam_download_without_a_route_names_the_manual_import(monkeypatch, capsys):
    from inpaint_core.cli import main

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    monkeypatch.setenv("VANISH_MODEL_URL_SAM_VIT_B", f"http://127.0.0.1:{port}/sam_vit_b_01ec64.pth")
    assert main(["models", "download", "sam_vit_b"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach" in err
    assert "https://dl.fbaipublicfiles.com/segment_anything/sam_vit_b_01ec64.pth" in err
    assert "vanish models import sam_vit_b /path/to/sam_vit_b_01ec64.pth" in err


def test_a_web_page_instead_of_the_file_is_refused(register, store):
    register(_spec(sha256=DIGEST))
    b = Behaviour(gdrive={"x": DATA}, gdrive_style="blocked")  # any HTML answer, e.g. a portal page
    with LocalServer(b) as srv:
        with pytest.raises(ModelError, match="returned a web page instead of the file.*models import"):
            models.download("testnet", url=srv.url("/uc?id=x"))
    assert list(store.iterdir()) == []


def test_a_write_failure_in_the_store_is_a_clear_error(register, store):
    register(_spec(sha256=DIGEST))
    store.mkdir(parents=True)
    part_path(store / "testnet.bin").mkdir()  # the partial file cannot be opened for writing
    with LocalServer(Behaviour(files={"/w.bin": DATA})) as srv:
        with pytest.raises(ModelError, match="Cannot write the download of testnet.*VANISH_MODELS_DIR"):
            models.download("testnet", url=srv.url("/w.bin"))


def test_a_complete_partial_file_is_finished_without_downloading_again(register, store):
    register(_spec(sha256=DIGEST))
    b = Behaviour(files={"/w.bin": DATA})
    with LocalServer(b) as srv:
        # a run that was cancelled during verification left the whole body in the partial file
        token = CancelToken()

        def on_event(e):
            if isinstance(e, Progress) and e.stage.startswith("verifying"):
                token.cancel()

        with pytest.raises(Cancelled):
            models.download("testnet", url=srv.url("/w.bin"), progress=on_event, cancel=token)
        assert part_path(store / "testnet.bin").stat().st_size == len(DATA)
        path = models.download("testnet", url=srv.url("/w.bin"))
    assert path.read_bytes() == DATA
    assert b.log[-1][1] == f"bytes={len(DATA)}-"  # answered 416: nothing was sent again


def test_two_downloads_of_one_model_do_not_share_the_partial_file(register, store):
    fcntl = pytest.importorskip("fcntl")
    register(_spec(sha256=DIGEST))
    store.mkdir(parents=True)
    with LocalServer(Behaviour(files={"/w.bin": DATA})) as srv:
        with open(store / ".testnet.bin.lock", "a+b") as other:  # as another process would hold it
            fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            with pytest.raises(ModelError, match="Another download of testnet is already running"):
                models.download("testnet", url=srv.url("/w.bin"))
        assert models.download("testnet", url=srv.url("/w.bin")).read_bytes() == DATA
