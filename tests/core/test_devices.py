"""The device scheduler: one inference per device, previews ahead of exports, cancellable waiters,
one resident model per device; and the STTN and SAM hooks that use it."""

from __future__ import annotations

import gc
import threading
import time
import weakref

import numpy as np
import pytest

from inpaint_core import devices
from inpaint_core.devices import EXPORT, PREVIEW, SEGMENT, DeviceScheduler
from inpaint_core.errors import Cancelled
from inpaint_core.jobs import CancelToken


def _wait_queued(sched: DeviceScheduler, dev: str, n: int) -> None:
    deadline = time.monotonic() + 10
    while sched.waiting(dev) < n:
        assert time.monotonic() < deadline, f"{sched.waiting(dev)} waiters, expected {n}"
        time.sleep(0.002)


def test_a_later_preview_is_served_before_the_queued_export_chunks():
    sched, dev, order = DeviceScheduler(), "cuda:0", []
    hold = threading.Event()

    def chunk(name: str, priority: int, wait: threading.Event | None = None) -> None:
        with sched.slot(dev, priority):
            order.append(name)
            if wait is not None:
                wait.wait(10)

    holder = threading.Thread(target=chunk, args=("export 0", EXPORT, hold))
    holder.start()
    while not order:
        time.sleep(0.002)
    threads = []
    for k in range(1, 4):  # three more export chunks queue up, in this order
        t = threading.Thread(target=chunk, args=(f"export {k}", EXPORT))
        t.start()
        threads.append(t)
        _wait_queued(sched, dev, k)
    late = threading.Thread(target=chunk, args=("preview", PREVIEW))
    late.start()
    _wait_queued(sched, dev, 4)
    hold.set()
    for t in [holder, *threads, late]:
        t.join(10)
    assert order == ["export 0", "preview", "export 1", "export 2", "export 3"]
    assert sched.served(dev) == [EXPORT, PREVIEW, EXPORT, EXPORT, EXPORT]
    assert devices.device_key("cuda") == "cuda:0"  # a bare "cuda" is the same device


def test_two_jobs_interleave_chunk_by_chunk_and_never_run_at_once():
    sched, dev = DeviceScheduler(), "cpu"
    order: list[str] = []
    active, peak = [0], [0]
    lock = threading.Lock()
    preview_may_start = threading.Event()

    def job(name: str, priority: int, chunks: int) -> None:
        with devices.job_context(priority):  # the priority given once for the thread's device work
            for k in range(chunks):
                with sched.slot(dev):
                    with lock:
                        active[0] += 1
                        peak[0] = max(peak[0], active[0])
                    order.append(f"{name}{k}")
                    if name == "E" and k == 1:
                        preview_may_start.set()
                    time.sleep(0.01)
                    with lock:
                        active[0] -= 1

    export = threading.Thread(target=job, args=("E", EXPORT, 8))
    export.start()
    preview_may_start.wait(10)
    preview = threading.Thread(target=job, args=("P", PREVIEW, 3))
    preview.start()
    export.join(20)
    preview.join(20)
    assert peak[0] == 1  # never two inferences at once on one device
    assert sorted(order) == sorted([f"E{k}" for k in range(8)] + ["P0", "P1", "P2"])
    # once the preview asked, each of its chunks waited for at most one export chunk
    first = order.index("P0")
    assert first <= 3
    between = [order[order.index(f"P{k}") + 1:order.index(f"P{k + 1}")] for k in range(2)]
    assert all(len(b) <= 1 for b in between), order
    assert order.index("P2") < order.index("E7")  # both were in flight; the preview ended first


def test_many_threads_never_overlap_on_a_device_but_do_on_two_devices():
    sched = DeviceScheduler()
    active: dict[str, int] = {"cpu": 0, "cuda:0": 0}
    peak = dict(active)
    both = [False]
    lock = threading.Lock()

    def work(dev: str, seed: int) -> None:
        rng = np.random.default_rng(seed)
        for _ in range(15):
            with sched.slot(dev, int(rng.integers(0, 3))):
                with lock:
                    active[dev] += 1
                    peak[dev] = max(peak[dev], active[dev])
                    both[0] = both[0] or all(v > 0 for v in active.values())
                time.sleep(0.001)
                with lock:
                    active[dev] -= 1

    threads = [threading.Thread(target=work, args=(d, s)) for s, d in enumerate(["cpu", "cuda:0"] * 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert peak == {"cpu": 1, "cuda:0": 1}
    assert both[0]  # the two devices did run at the same time


def test_loading_another_model_evicts_the_resident_one():
    sched, calls = DeviceScheduler(), []

    def use(model: str) -> None:
        with sched.slot("cuda:0", EXPORT, model=model, load=lambda: calls.append(f"load {model}"),
                        unload=lambda: calls.append(f"unload {model}")):
            calls.append(f"run {model}")

    use("sttn")
    use("sttn")  # already resident: nothing loaded again
    use("sam")
    use("sam")
    use("sttn")
    assert calls == ["load sttn", "run sttn", "run sttn", "unload sttn", "load sam", "run sam", "run sam",
                     "unload sam", "load sttn", "run sttn"]
    assert sched.resident("cuda:0") == "sttn" and sched.resident("cpu") is None
    sched.forget("cuda:0", "sttn")
    assert sched.resident("cuda:0") is None


def test_the_registry_does_not_keep_a_finished_engine_alive():
    sched = DeviceScheduler()

    class Engine:
        unloaded = 0

        def unload(self) -> None:
            self.unloaded += 1

    a, b = Engine(), Engine()
    with sched.slot("cuda:0", EXPORT, model="a", unload=a.unload):
        pass
    with sched.slot("cuda:0", EXPORT, model="b", unload=b.unload):
        pass
    assert (a.unloaded, b.unloaded) == (1, 0)
    gone = weakref.ref(b)
    del b
    gc.collect()
    assert gone() is None  # the resident entry held b's unload weakly
    with sched.slot("cuda:0", EXPORT, model="c"):  # nothing left to unload: c just loads
        pass
    assert sched.resident("cuda:0") == "c"


def test_cancelling_a_waiter_returns_promptly_with_the_cancel_error():
    sched, dev = DeviceScheduler(), "cuda:0"
    holding, release = threading.Event(), threading.Event()
    outcome: list = []

    def holder() -> None:
        with sched.slot(dev, EXPORT):
            holding.set()
            release.wait(20)

    def waiter(token: CancelToken) -> None:
        try:
            with sched.slot(dev, PREVIEW, cancel=token):
                outcome.append("ran")
        except Cancelled as exc:
            outcome.append(exc)

    h = threading.Thread(target=holder)
    h.start()
    holding.wait(10)
    token = CancelToken()
    w = threading.Thread(target=waiter, args=(token,))
    w.start()
    _wait_queued(sched, dev, 1)
    token.cancel()
    w.join(5)  # the holder still holds the device: the waiter returned on its own
    assert not w.is_alive() and not release.is_set()
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled) and str(outcome[0]) == "Cancelled."
    assert sched.waiting(dev) == 0
    release.set()
    h.join(10)
    with sched.slot(dev, SEGMENT, cancel=CancelToken()):  # the device is free again
        pass
    assert sched.served(dev) == [EXPORT, SEGMENT]


def test_the_same_thread_may_nest_slots():
    sched = DeviceScheduler()
    with sched.slot("cpu", EXPORT), sched.slot("cpu", EXPORT):
        pass
    with sched.slot("cpu", PREVIEW):
        pass
    assert sched.served("cpu") == [EXPORT, PREVIEW]


def test_sttn_windows_and_sam_prompts_take_the_device_slot():
    torch = pytest.importorskip("torch")
    pytest.importorskip("segment_anything")
    from inpaint_core.engines.sttn.network import STTNGenerator
    from inpaint_core.engines.sttn.runner import NetworkRunner
    from inpaint_core.segment.sam import SamSession
    from tests.core.sam_tiny import tiny_sam

    torch.manual_seed(0)
    runner = NetworkRunner(STTNGenerator().state_dict(), device="cpu", fast=False)  # random weights: plumbing only
    frame, mask = np.zeros((240, 432, 3), np.uint8), np.zeros((240, 432), np.uint8)
    before = len(devices.scheduler.served("cpu"))
    with devices.job_context(PREVIEW):
        enc = runner.encode([frame], [mask])
    held = []

    class Transformer:  # the window step, cheap: records whether it ran holding the device's slot
        def transform(self, feats, masks, **_kw):
            held.append(devices.scheduler._device("cpu").holder == threading.get_ident())
            return feats, None

        def decode(self, x):
            return torch.zeros(x.shape[0], 3, 240, 432)

    net, runner.net = runner.net, Transformer()
    pred, _ = runner.complete(enc, 1)  # no context: an export's priority
    runner.net = net
    assert held == [True] and pred.shape == (1, 240, 432, 3)
    assert devices.scheduler.served("cpu")[before:] == [PREVIEW, EXPORT]
    assert devices.scheduler.resident("cpu") == ("sttn", id(runner))

    unloaded: list[str] = []
    with SamSession(tiny_sam()) as s:
        s._unload = lambda: unloaded.append("sam")
        s.predict(0, points=[(10, 10)], image=np.zeros((48, 64, 3), np.uint8))
        assert devices.scheduler.served("cpu")[-2:] == [SEGMENT, SEGMENT]  # encode, then the prompt
        assert devices.scheduler.resident("cpu") == ("sam", id(s.model))
        runner.encode([frame], [mask])  # STTN back on the device: SAM's weights are unloaded
        assert unloaded == ["sam"] and devices.scheduler.resident("cpu") == ("sttn", id(runner))
