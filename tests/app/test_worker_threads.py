"""Worker threads end cleanly after running the flow toolkit.

CPython 3.11 crashed (segmentation fault) when a Qt-created thread ended while its thread-local
caches held a SciPy factorisation: the preview with the default engine took the editor down when
its job finished. Each check runs in a child process, so a crash fails the test instead of
killing the test run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import sys
import time
import numpy as np
from PySide6.QtCore import QCoreApplication, QTimer
from app import _qtfix
from app.workers.runners import JobRunner, LatestRequestWorker
from inpaint_core import flow
from inpaint_core.jobs import Progress

_qtfix.apply()
app = QCoreApplication([])
values = np.zeros((40, 40, 2), np.float32)
hole = np.zeros((40, 40), bool)
hole[10:30, 12:28] = True


def job(token):
    out = flow.laplace_fill(values, hole)  # caches a sparse factorisation in this thread
    yield Progress(1, 1, "fill")
    return float(out.sum())


def fill(key):
    return float(flow.laplace_fill(values, hole).sum())


which = sys.argv[1]
if which == "job":
    r = JobRunner(job, "probe")
    seen = []
    r.ended.connect(lambda: seen.append(r.outcome))  # the runner deletes itself later: not touched after
    poll = QTimer(interval=20)
    poll.timeout.connect(lambda: seen and app.quit())  # a quit() from the thread can be lost
    poll.start()
    QTimer.singleShot(0, r.start)
    app.exec()
    time.sleep(1.0)  # let the thread finish its teardown (where the crash was)
    print("outcome", seen[0])
else:
    w = LatestRequestWorker(fill)
    w.ready.connect(lambda k, v: app.quit())
    w.start()
    QTimer.singleShot(0, lambda: w.request(1))  # once the loop runs (see above)
    app.exec()
    w.stop()
    w.wait()
    print("outcome ok")
"""


@pytest.mark.parametrize("which", ["job", "latest"])
def test_worker_thread_ends_without_crashing_after_flow_work(which, tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-c", SCRIPT, which], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, (res.returncode, res.stderr[-2000:])
    assert "outcome ok" in res.stdout
