"""The classical engine's stream has no step in its fill at its own chunk borders (engines/streaming.py,
docs/streaming.md): every frame sees the same span of later frames (the reach that dropped over each
chunk and jumped at its border made the step), and frames after a border still take sources
from before it. The step itself is measured on 1080p pans by bench_engine_stream.py --border."""

from __future__ import annotations

import numpy as np

from inpaint_core.bench.occlude import occlude
from inpaint_core.engines.propagate import PropagateEngine
from tests.core.test_propagate import panning_clip

H, W, N, CHUNK = 72, 96, 36, 6


def logo_pan():
    """N frames of a texture panning by 3 px a frame, a stationary square hole holding a burned-in
    logo (what a real hole holds); returns (seen, masks)."""
    frames, masks = panning_clip(n=N, speed=3)
    return occlude(np.stack(frames), np.stack(masks), "logo"), masks


def fill(engine, seen, masks):
    stream = engine.stream((W, H), [(0, N)], 0, N)
    out = []
    for i, (f, m) in enumerate(zip(seen, masks)):
        out += stream.push(i, f, m)
    out += stream.finish()
    assert stream.filled == {i: 1 for i in range(N)}  # still each frame filled once
    return out


def test_every_frame_reaches_as_far_ahead_and_sources_continue_across_borders():
    seen, masks = logo_pan()
    hole = masks[0] > 0
    def reach(out):  # per frame: how far ahead its furthest real source lies
        return [int((f.correspondence.source_frame[hole] - f.index).max()) for f in out]

    # ahead=0, the earlier default: a saw, the reach dropped from chunk + overlap - 1 to the
    # overlap over each chunk and jumped back at the border (the step in the fill there)
    old = reach(fill(PropagateEngine(chunk=CHUNK, overlap=3, ahead=0), seen, masks))
    assert min(old[b] - old[b - 1] for b in range(CHUNK, N - 12, CHUNK)) >= CHUNK - 2, old
    out = fill(PropagateEngine(chunk=CHUNK, overlap=3), seen, masks)
    inner = reach(out)[: N - 12]  # the last frames of the clip see its end
    assert max(inner) - min(inner) <= 1, inner
    # a frame just after a border takes real sources from before it, as the frame before it does
    for b in range(CHUNK, N - 12, CHUNK):
        src = out[b].correspondence.source_frame[hole]
        assert ((src >= 0) & (src < b - 1)).mean() > 0.05, b
