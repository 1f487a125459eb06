"""The remaining-time estimate: nothing until it can be estimated, then converging to the truth."""

from __future__ import annotations

from inpaint_core.jobs import EtaEstimator, Progress


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_no_time_at_zero_and_none_before_enough_progress():
    clock = FakeClock()
    eta = EtaEstimator(clock=clock)
    assert eta.update(Progress(0, 300)) is None
    clock.t += 10
    assert eta.update(Progress(0, 300)) is None  # 10 s at 0 %: no rate, no time
    clock.t += 0.5
    assert eta.update(Progress(1, 300)) is None  # one frame of 300 is not enough to say
    assert eta.remaining() is None


def test_a_steady_job_with_a_slow_start_converges_to_the_real_remaining_time():
    clock = FakeClock()
    eta = EtaEstimator(clock=clock)
    eta.update(Progress(0, 100))
    clock.t += 20.0  # start-up (model load, first chunk) before the first frame
    errors = []
    for done in range(1, 101):
        clock.t += 1.0  # then one frame a second
        got = eta.update(Progress(done, 100))
        truth = 100 - done
        if got is not None:
            errors.append(abs(got - truth))
    assert errors and len(errors) >= 90
    # the start-up is not extrapolated: from a tenth of the job on, the estimate is within a
    # second of the truth, and it ends at zero
    assert max(errors[10:]) < 1.0, errors[:20]
    assert errors[-1] == 0.0
    # an average since the start would still be 8 s off at three quarters (20 s of start-up
    # spread over the frames done): check the estimator is not that one
    naive = (100 - 75) * (20 + 75) / 75 - 25
    assert naive > 6 and errors[75 - (100 - len(errors)) - 1] < 1.0

def test_counts_down_between_events_and_restarts_on_a_new_stage():
    clock = FakeClock()
    eta = EtaEstimator(clock=clock)
    eta.update(Progress(0, 10, "finding shots"))
    clock.t += 5
    assert eta.update(Progress(5, 10, "finding shots")) == 5.0
    clock.t += 2
    assert eta.remaining() == 3.0  # counted down without an event
    # a new stage starts at 0: the fast scan's rate must not give "0:00 remaining"
    assert eta.update(Progress(0, 10, "export")) is None
    assert eta.remaining() is None
