"""The STTN preview engine: released STTN weights, windowed completion at 432x240.

Without a verified checkpoint the engine is unavailable and says how to get one; it never runs a
network with random weights. ``STTNEngine(checkpoint=PATH)`` verifies and uses that file; without a
path it uses the model store's verified ``sttn`` (``inpaint_core.models.installed_path``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from ...errors import EngineUnavailable, VanishError
from ...jobs import Progress
from ..base import Availability, ClipSource, Engine, Filled
from .checkpoint import HOW_TO_GET, load_checkpoint
from .network import WORK_SIZE
from .windows import DEFAULT_REF_WINDOW, FULL_REFS_UP_TO, NEIGHBOR_STRIDE, REF_STRIDE, complete_windows

NOT_INSTALLED = (
    "The STTN engine needs the released STTN weights (sttn.pth), which are not installed. " + HOW_TO_GET
)


def installed_checkpoint() -> tuple[Path | None, str]:
    """The verified ``sttn`` checkpoint in the model store, or (None, why not)."""
    try:
        from ...models import installed_path
    except ImportError:
        return None, NOT_INSTALLED
    try:
        path = installed_path("sttn")
    except VanishError as exc:
        return None, f"{exc} {HOW_TO_GET}"
    if path is None:
        return None, NOT_INSTALLED
    return Path(path), ""


class STTNEngine(Engine):
    """Spatial-temporal transformer (Zeng, Fu, Chao 2020) at 432x240.

    Options:

    - ``checkpoint``: path to ``sttn.pth`` (verified on construction); default: the installed one.
    - ``device``: ``'auto'`` (CUDA when present, else CPU), ``'cpu'``, ``'cuda'``, ``'cuda:1'`` ...
    - ``fast``: the fast path (reduced-precision autocast where supported, fused attention,
      channels-last); ``False`` runs the exact float32 path that reproduces the released network.
    - ``masked_attention``: the masked softmax of the paper's Eq. 4 (off: released weights were
      trained without it).
    - ``full_refs_up_to``, ``ref_window``: shots of up to ``full_refs_up_to`` frames (100) use every
      reference, exactly as released; longer shots use references within ``ref_window`` frames (50)
      of each window's centre, so memory and time per window stay bounded (``ref_window=None``: all
      references of the shot, as released; memory then grows with the shot length).
    - ``correspondence``: attach the last layer's attention to each ``Filled`` (for the export).
    - ``overlap``: overlapping windows with the running average, as released (True), or tiled
      windows that complete each frame once (False: half the work). Default (None): tiled on the
      CPU fast path, where it was chosen by measurement, overlapping everywhere else.
    """

    name = "sttn"
    label = "STTN (spatial-temporal transformer)"
    default_grow = 4
    fixed_size = WORK_SIZE

    def __init__(
        self,
        checkpoint: str | Path | None = None,
        device: str = "auto",
        fast: bool = True,
        masked_attention: bool = False,
        ref_window: int | None = DEFAULT_REF_WINDOW,
        full_refs_up_to: int = FULL_REFS_UP_TO,
        neighbor_stride: int = NEIGHBOR_STRIDE,
        ref_stride: int = REF_STRIDE,
        correspondence: bool = True,
        overlap: bool | None = None,
        **_ignored,
    ) -> None:
        if checkpoint is None:
            path, why = installed_checkpoint()
            if path is None:
                raise EngineUnavailable(why)
            checkpoint = path
        if ref_window is not None and ref_window < 0:
            raise VanishError(f"ref_window must be 0 or more frames (got {ref_window}).")
        if neighbor_stride < 1 or ref_stride < 1:
            raise VanishError("neighbor_stride and ref_stride must be at least 1.")
        self.checkpoint = Path(checkpoint)
        state = load_checkpoint(self.checkpoint)
        from .runner import NetworkRunner

        try:
            self.runner = NetworkRunner(state, device=device, fast=fast, masked_attention=masked_attention)
        except (RuntimeError, AssertionError) as exc:  # e.g. device 'cuda' without a GPU
            raise EngineUnavailable(
                f"STTN cannot use device '{device}': {str(exc).splitlines()[0]}"
            ) from None
        self.ref_window = ref_window
        self.full_refs_up_to = full_refs_up_to
        self.neighbor_stride = neighbor_stride
        self.ref_stride = ref_stride
        self.correspondence = correspondence
        self.overlap = (not fast or self.runner.device.type != "cpu") if overlap is None else bool(overlap)

    @classmethod
    def available(cls) -> Availability:
        path, why = installed_checkpoint()
        return Availability(True) if path is not None else Availability(False, why)

    @property
    def description(self) -> str:
        windows = "overlapping windows" if self.overlap else "tiled windows"
        return f"STTN ({self.runner.description}, {windows}) from {self.checkpoint.name}"

    def run(
        self, clip: ClipSource, frames: Sequence[int] | range | None = None, priority: int | None = None
    ) -> Iterator[Progress | Filled]:
        if tuple(clip.size) != WORK_SIZE:
            w, h = clip.size
            raise VanishError(
                f"STTN works at {WORK_SIZE[0]}x{WORK_SIZE[1]} but the clip source serves {w}x{h}; "
                "bring frames to the engine's fixed size first (for example with ResizedClipSource)."
            )
        try:
            yield from complete_windows(
                self.runner,
                clip,
                frames,
                priority,
                stride=self.neighbor_stride,
                ref_stride=self.ref_stride,
                ref_window=self.ref_window,
                full_refs_up_to=self.full_refs_up_to,
                correspondence=self.correspondence,
                overlap=self.overlap,
            )
        finally:
            self.runner.release()
