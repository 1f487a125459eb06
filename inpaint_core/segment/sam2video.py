"""SAM 2.1 video tracking when the ``sam2`` package and a SAM 2.1 checkpoint are installed.

:class:`Sam2Tracker` prompts SAM 2's video predictor with clicks, boxes or masks on one or more
frames and propagates them through the clip both ways (the predictor keeps a memory of the
prompted frames). It yields the same events as the classical trackers
(:class:`~inpaint_core.jobs.Progress` and :class:`~inpaint_core.segment.track.TrackedFrame`) and
checks a :class:`~inpaint_core.jobs.CancelToken` between frames.

Weights only come from a verified checkpoint in the model store (or a file the caller names);
:func:`available` says what is missing. Nothing is imported from ``sam2`` or ``torch`` at import
time. The predictor reads frames from a folder of JPEG files (its own loader); the tracker writes
the clip's frames there once. Frames are (H, W, 3) uint8 RGB; masks (H, W) uint8 0/255.
"""

from __future__ import annotations

import tempfile
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import devices
from ..errors import EngineUnavailable, ModelError
from ..jobs import NEVER_CANCELLED, Availability, CancelToken, Progress
from ..models.sam2_checkpoint import CONFIGS, package_available
from .track import TrackedFrame

# model-store name -> the sam2 package's config of that checkpoint
DEFAULT = "sam21_tiny"
METHOD_SAM2 = "sam2"


def available(name: str = DEFAULT, checkpoint: str | Path | None = None) -> Availability:
    """Whether SAM 2 video tracking can run here; ``reason`` says what to install."""
    if name not in CONFIGS:
        return Availability(False, f"unknown SAM 2 model {name!r}; choose one of {', '.join(CONFIGS)}")
    if not package_available():
        return Availability(False, "SAM 2 tracking needs the sam2 package: pip install sam2 "
                                   "(until then tracking uses the classical tracker)")
    if checkpoint is not None:
        ok = Path(checkpoint).is_file()
        return Availability(ok, "" if ok else f"SAM 2 checkpoint not found: {checkpoint}")
    from ..models import installed_path

    if installed_path(name) is None:
        return Availability(False, f"No SAM 2.1 checkpoint ({name}) is installed. Install one with "
                                   f"`vanish models download {name}`; until then tracking uses "
                                   "the classical tracker.")
    return Availability(True, "")


def build_predictor(config: str, checkpoint: str | Path | None, device: str = "cpu",
                    overrides: Sequence[str] = ()):
    """The ``sam2`` video predictor of ``config`` with ``checkpoint`` loaded (``None`` leaves the
    weights as initialised: only tests do that, never a user path)."""
    from sam2.build_sam import build_sam2_video_predictor

    try:
        return build_sam2_video_predictor(config, str(checkpoint) if checkpoint else None, device=device,
                                          hydra_overrides_extra=list(overrides))
    except (RuntimeError, KeyError) as exc:
        raise ModelError(f"{checkpoint} is not a SAM 2.1 checkpoint for {config} "
                         f"({str(exc).splitlines()[0][:200]})") from exc


def load(name: str = DEFAULT, checkpoint: str | Path | None = None, device: str = "auto"):
    """The video predictor of store model ``name`` from its verified checkpoint (or ``checkpoint``)."""
    av = available(name, checkpoint)
    if not av.ok:
        raise EngineUnavailable(av.reason)
    if checkpoint is None:
        from ..models import installed_path

        checkpoint = installed_path(name)
    from .sam import resolve_device

    return build_predictor(CONFIGS[name], checkpoint, resolve_device(device))


@dataclass
class Prompt:
    """Prompts on one frame: ``points`` (N, 2) (x, y) px with ``labels`` (1 object, 0 not),
    and/or ``box`` (x0, y0, x1, y1) px, or a ``mask`` (H, W) uint8 0/255."""

    points: Sequence[Sequence[float]] | None = None
    labels: Sequence[int] | None = None
    box: Sequence[float] | None = None
    mask: np.ndarray | None = None


class Sam2Tracker:
    """Tracks one object with a SAM 2 video predictor over ``frames`` (a frame source:
    ``frame_count``, ``frame(i)`` -> (H, W, 3) uint8). ``offload``: keep frames and memory on the
    CPU (saves GPU memory for long clips)."""

    method = METHOD_SAM2

    def __init__(self, predictor, frames, offload: bool = True) -> None:
        self.predictor = predictor
        self.frames = frames
        self.offload = offload

    def _write_frames(self, folder: Path, cancel: CancelToken) -> None:
        from PIL import Image

        for i in range(self.frames.frame_count):
            cancel.raise_if_cancelled()
            Image.fromarray(self.frames.frame(i)).save(folder / f"{i:05d}.jpg", quality=95)

    def _load(self) -> None:
        self.predictor.to(self._home)

    def _unload(self) -> None:  # another model takes the device: the weights wait in host memory
        if self._home.type != "cpu":
            self.predictor.to("cpu")

    def track(self, prompts: Mapping[int, Prompt], cancel: CancelToken | None = None
              ) -> Generator[Progress | TrackedFrame, None, None]:
        """Generator: :class:`Progress` and one :class:`TrackedFrame` per frame in order (prompted
        frames are ``keyframe``). Frames are propagated forward from the first prompted frame and
        backward from the last one. Raises :class:`~inpaint_core.errors.Cancelled`."""
        import torch

        from ..errors import MaskError

        cancel = cancel or NEVER_CANCELLED
        n = self.frames.frame_count
        keys = sorted(k for k in prompts if 0 <= k < n)
        if not keys:
            raise MaskError("SAM 2 tracking needs a prompt on at least one frame of the clip")
        total = 2 * n
        yield Progress(0, total, "tracking (SAM 2)")
        out: dict[int, tuple[np.ndarray, float]] = {}
        with tempfile.TemporaryDirectory(prefix="vanish-sam2-") as tmp:
            self._write_frames(Path(tmp), cancel)
            # each step holds the device's slot (inpaint_core.devices): one inference per device
            dev = self._home = self.predictor.device
            slot = {"priority": devices.current_job(default=devices.SEGMENT)[0], "cancel": cancel,
                    "model": ("sam2", id(self.predictor)), "load": self._load, "unload": self._unload}
            with torch.inference_mode(), devices.scheduler.slot(dev, **slot):
                state = self.predictor.init_state(tmp, offload_video_to_cpu=self.offload,
                                                  offload_state_to_cpu=self.offload)
                for k in keys:
                    p = prompts[k]
                    if p.mask is not None:
                        self.predictor.add_new_mask(state, k, 1, torch.as_tensor(p.mask > 0))
                    else:
                        pts = None if p.points is None else np.asarray(p.points, np.float32).reshape(-1, 2)
                        lab = None if p.points is None else np.asarray(
                            p.labels if p.labels is not None else [1] * len(pts), np.int32)
                        box = None if p.box is None else np.asarray(p.box, np.float32)
                        self.predictor.add_new_points_or_box(state, k, 1, points=pts, labels=lab, box=box)
            with torch.inference_mode():
                done = 0
                for reverse, start in ((False, keys[0]), (True, keys[-1])):
                    for idx, _ids, logits in devices.scheduler.iterate(dev, self.predictor.propagate_in_video(
                            state, start_frame_idx=start, reverse=reverse), **slot):
                        cancel.raise_if_cancelled()
                        done += 1
                        yield Progress(done, total, "tracking (SAM 2)")
                        if reverse and idx in out and idx >= keys[0]:
                            continue  # the forward pass already covers it from an earlier prompt
                        lg = logits[0, 0].float().cpu().numpy()
                        prob = 1.0 / (1.0 + np.exp(-np.clip(lg, -30, 30)))
                        m = lg > 0
                        conf = float(prob[m].mean()) if m.any() else 0.0
                        out[idx] = (np.where(m, 255, 0).astype(np.uint8), conf)
                self.predictor.reset_state(state)
        h, w = self.frames.frame(0).shape[:2]
        for i in range(n):
            mask, conf = out.get(i, (np.zeros((h, w), np.uint8), 0.0))
            yield TrackedFrame(i, mask, conf if i not in prompts else 1.0,
                               "key" if i in prompts else METHOD_SAM2, i in prompts, not mask.any())
        yield Progress(total, total, "tracking (SAM 2)")


__all__ = ["CONFIGS", "DEFAULT", "METHOD_SAM2", "Prompt", "Sam2Tracker", "available", "build_predictor",
           "load", "package_available"]
