"""Segment Anything sessions: cached per-frame image embeddings, computed ahead, fast prompts.

A :class:`SamSession` wraps a ``segment_anything`` ``Sam`` model. The heavy part (the image encoder,
about 15 s per frame on a 2-core CPU, about 0.1 s on a GPU) runs once per frame and is kept in a
bounded :class:`~inpaint_core.segment.cache.EmbeddingCache`; :meth:`SamSession.prefetch` computes
embeddings ahead on one background thread as the user moves along the timeline (a newer request
cancels the older one). Prompts (points with labels, a box, previous mask logits) then only run the
prompt encoder and the mask decoder.

Weights only ever come from a verified checkpoint in the model store (or a file the caller names):
without one :func:`available` says how to install it. Nothing is loaded at import time.

Images are (H, W, 3) uint8 RGB; coordinates are (x, y) pixels of that image; masks (H, W) uint8 0/255.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .. import devices
from ..errors import EngineUnavailable, ModelError, VanishError
from ..jobs import Availability, CancelToken
from .cache import Embedding, EmbeddingCache
from .result import METHOD_SAM, SegmentResult

MODEL_TYPES = {"vit_b": "sam_vit_b", "vit_l": "sam_vit_l", "vit_h": "sam_vit_h"}
DEFAULT_MODEL = "vit_b"


def _model_type(name: str) -> str:
    name = name.removeprefix("sam_")
    if name not in MODEL_TYPES:
        raise EngineUnavailable(f"unknown SAM model {name!r}; choose one of "
                                + ", ".join(MODEL_TYPES.values()))
    return name


def install_hint(model_type: str = DEFAULT_MODEL) -> str:
    store = MODEL_TYPES[_model_type(model_type)]
    return (f"No Segment Anything checkpoint ({store}) is installed. Install one with "
            f"`vanish models download {store}` or `vanish models import {store} FILE`; until then "
            "clicks and boxes use the GrabCut fallback.")


def find_checkpoint(model_type: str = DEFAULT_MODEL) -> Path | None:
    """The verified checkpoint for ``model_type`` in the model store, or ``None``."""
    from ..models import installed_path

    return installed_path(MODEL_TYPES[_model_type(model_type)])


def available(model_type: str = DEFAULT_MODEL, checkpoint: str | Path | None = None) -> Availability:
    """Whether a SAM session can be opened here; ``reason`` says how to install a checkpoint."""
    try:
        mt = _model_type(model_type)
    except VanishError as exc:
        return Availability(False, str(exc))
    if checkpoint is not None:
        if not Path(checkpoint).is_file():
            return Availability(False, f"SAM checkpoint not found: {checkpoint}")
        return Availability(True, "")
    if find_checkpoint(mt) is None:
        return Availability(False, install_hint(mt))
    return Availability(True, "")


def resolve_device(device: str = "auto") -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def load_sam(model_type: str = DEFAULT_MODEL, checkpoint: str | Path | None = None, device: str = "auto"):
    """Build the ``segment_anything`` model of ``model_type`` and load ``checkpoint`` (default: the
    model store's). Raises :class:`EngineUnavailable` when there is no checkpoint and
    :class:`ModelError` when the file is not a SAM checkpoint of that type."""
    import torch
    from segment_anything import sam_model_registry

    mt = _model_type(model_type)
    path = Path(checkpoint) if checkpoint is not None else find_checkpoint(mt)
    if path is None:
        raise EngineUnavailable(install_hint(mt))
    if not path.is_file():
        raise ModelError(f"SAM checkpoint not found: {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ModelError(f"{path} is not a readable PyTorch checkpoint ({exc}); "
                         f"download it again with `vanish models download {MODEL_TYPES[mt]}`") from exc
    if isinstance(state, dict) and "model" in state and isinstance(state["model"], dict):
        state = state["model"]
    model = sam_model_registry[mt]()
    try:
        model.load_state_dict(state, strict=True)
    except Exception as exc:
        raise ModelError(f"{path} is not a SAM {mt} checkpoint (its weights do not fit the model: "
                         f"{str(exc).splitlines()[0]})") from exc
    return model.to(resolve_device(device)).eval()


class PrefetchJob:
    """Handle of one :meth:`SamSession.prefetch` request: ``cancel()``, ``done()``,
    ``wait(timeout)``; ``computed`` lists the frame indices whose embeddings it computed."""

    def __init__(self, indices: list[int]) -> None:
        self.indices = indices
        self.token = CancelToken()
        self.computed: list[int] = []
        self.future: Future | None = None

    def cancel(self) -> None:
        self.token.cancel()

    @property
    def cancelled(self) -> bool:
        return self.token.cancelled

    def done(self) -> bool:
        return self.future is None or self.future.done()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ends (or ``timeout`` seconds); True when it has ended."""
        if self.future is None:
            return True
        try:
            self.future.result(timeout)
        except TimeoutError:
            return False
        return True


class SamSession:
    """Prompting a SAM model on the frames of one clip.

    ``model``: a ``segment_anything.modeling.Sam`` (see :func:`load_sam` / :meth:`open`).
    ``frame_fn``: ``i -> (H, W, 3) uint8`` frame, used by :meth:`prefetch` and by :meth:`predict`
    when no image is given. ``cache_items`` / ``cache_bytes`` bound the embedding cache.
    """

    def __init__(self, model, frame_fn: Callable[[int], np.ndarray] | None = None, *,
                 cache_items: int | None = 16, cache_bytes: int | None = None) -> None:
        from segment_anything.utils.transforms import ResizeLongestSide

        self.model = model.eval()
        self.frame_fn = frame_fn
        self.cache = EmbeddingCache(cache_items, cache_bytes)
        self.transform = ResizeLongestSide(model.image_encoder.img_size)
        self._home = model.device  # where the model runs (it waits in host memory while evicted)
        self._model = ("sam", id(model))
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sam-prefetch")
        self._job: PrefetchJob | None = None
        self._job_lock = threading.Lock()
        self._inflight: dict[int, threading.Event] = {}  # frames the prefetch thread is encoding

    @classmethod
    def open(cls, model_type: str = DEFAULT_MODEL, checkpoint: str | Path | None = None,
             device: str = "auto", **kwargs) -> SamSession:
        """A session on the checkpoint from the model store (or ``checkpoint``)."""
        return cls(load_sam(model_type, checkpoint, device), **kwargs)

    @property
    def device(self):
        return self._home

    def _slot(self):
        """The device's slot for one encode or prompt (:mod:`inpaint_core.devices`): a click is
        served ahead of previews and exports; the prefetch thread waits behind them."""
        priority, cancel = devices.current_job(default=devices.SEGMENT)
        return devices.scheduler.slot(self._home, priority, self._model, cancel, self._load, self._unload)

    def _load(self) -> None:
        self.model.to(self._home)

    def _unload(self) -> None:
        if self._home.type != "cpu":
            self.model.to("cpu")

    # -- embeddings -------------------------------------------------------------------------------
    def _image(self, index: int, image: np.ndarray | None) -> np.ndarray:
        if image is None:
            if self.frame_fn is None:
                raise ValueError("no image given and the session has no frame_fn")
            image = self.frame_fn(index)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"expected an (H, W, 3) uint8 image, got {image.shape} {image.dtype}")
        return image

    def encode(self, image: np.ndarray) -> Embedding:
        """Run the image encoder on one (H, W, 3) uint8 RGB image (no caching)."""
        import torch

        resized = self.transform.apply_image(image)
        x = torch.as_tensor(resized, device=self.device).permute(2, 0, 1).contiguous()[None]
        with self._slot(), torch.no_grad():
            feats = self.model.image_encoder(self.model.preprocess(x.float()))
        return Embedding(feats, (int(image.shape[0]), int(image.shape[1])), tuple(x.shape[-2:]))

    @staticmethod
    def _key(index: int, image: np.ndarray) -> tuple[int, int, int]:
        return int(index), int(image.shape[0]), int(image.shape[1])

    def embedding(self, index: int, image: np.ndarray | None = None) -> Embedding:
        """The embedding of frame ``index`` (``image`` or ``frame_fn(index)``), from the cache or
        computed now and cached. A frame the prefetch thread is encoding right now is waited for
        rather than encoded twice."""
        if image is None:
            # the prefetch thread may be encoding this very frame: wait for it, do not encode twice
            with self._job_lock:
                busy = self._inflight.get(int(index))
            if busy is not None:
                busy.wait()
        image = self._image(index, image)
        key = self._key(index, image)
        emb = self.cache.get(key)
        if emb is None:
            emb = self.encode(image)
            self.cache.put(key, emb)
        return emb

    def has_embedding(self, index: int, size: tuple[int, int] | None = None) -> bool:
        """Whether frame ``index`` is cached (for ``size`` = (H, W), default any size)."""
        keys = self.cache.keys()
        return any(k[0] == index and (size is None or k[1:] == tuple(size)) for k in keys)

    def prefetch(self, indices: Iterable[int]) -> PrefetchJob:
        """Compute the embeddings of ``indices`` (in that order, nearest-first is the caller's
        choice) on the background thread; cancels the previous prefetch. Frames already cached are
        skipped. Needs ``frame_fn``."""
        if self.frame_fn is None:
            raise ValueError("prefetch needs a session with a frame_fn")
        job = PrefetchJob([int(i) for i in indices])
        with self._job_lock:
            if self._job is not None:
                self._job.cancel()
            self._job = job
            job.future = self._pool.submit(self._run_prefetch, job)
        return job

    def _run_prefetch(self, job: PrefetchJob) -> None:
        with devices.job_context(devices.EXPORT):  # speculative work: behind clicks and previews
            self._prefetch(job)

    def _prefetch(self, job: PrefetchJob) -> None:
        for i in job.indices:
            if job.cancelled:
                return
            if self.has_embedding(i):
                continue
            done = threading.Event()
            with self._job_lock:
                self._inflight[i] = done
            try:
                image = self._image(i, None)
                if job.cancelled:
                    return
                self.cache.put(self._key(i, image), self.encode(image))
                job.computed.append(i)
            finally:
                with self._job_lock:
                    self._inflight.pop(i, None)
                done.set()

    def close(self) -> None:
        with self._job_lock:
            if self._job is not None:
                self._job.cancel()
        self._pool.shutdown(wait=True)

    def __enter__(self) -> SamSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- prompts ----------------------------------------------------------------------------------
    def predict(self, index: int, points: Sequence[Sequence[float]] | None = None,
                labels: Sequence[int] | None = None, box: Sequence[float] | None = None,
                mask_logits: np.ndarray | None = None, multimask: bool | None = None,
                image: np.ndarray | None = None) -> SegmentResult:
        """Segment frame ``index`` from prompts: ``points`` (N, 2) (x, y) with ``labels`` (1 object,
        0 background), ``box`` (x0, y0, x1, y1), ``mask_logits`` (h, w) from a previous result's
        ``logits``. ``multimask`` (default: True for a single click) lets SAM propose three masks
        and keeps the one with the best predicted IoU."""
        import torch

        if points is None and box is None and mask_logits is None:
            raise VanishError("give SAM a prompt: a click on the object or a box around it")
        emb = self.embedding(index, image)
        h, w = emb.original_size
        coords = lab = box_t = mask_t = None
        n_points = 0
        if points is not None:
            pts = np.asarray(points, np.float64).reshape(-1, 2)
            lab_np = np.ones(len(pts), np.int64) if labels is None else np.asarray(labels).reshape(-1)
            if len(lab_np) != len(pts):
                raise VanishError("every click needs a label (1 = object, 0 = background)")
            n_points = len(pts)
            coords = torch.as_tensor(self.transform.apply_coords(pts, (h, w)), dtype=torch.float,
                                     device=self.device)[None]
            lab = torch.as_tensor(lab_np, dtype=torch.int, device=self.device)[None]
        if box is not None:
            b = np.asarray(box, np.float64).reshape(1, 4)
            box_t = torch.as_tensor(self.transform.apply_boxes(b, (h, w)), dtype=torch.float,
                                    device=self.device)
        if mask_logits is not None:
            mask_t = torch.as_tensor(np.asarray(mask_logits, np.float32), device=self.device)[None, None]
        if multimask is None:
            multimask = box is None and n_points == 1
        with self._slot(), torch.no_grad():
            sparse, dense = self.model.prompt_encoder(
                points=(coords, lab) if coords is not None else None, boxes=box_t, masks=mask_t)
            low, scores = self.model.mask_decoder(
                image_embeddings=emb.features, image_pe=self.model.prompt_encoder.get_dense_pe(),
                sparse_prompt_embeddings=sparse, dense_prompt_embeddings=dense,
                multimask_output=bool(multimask))
            full = self.model.postprocess_masks(low, emb.input_size, emb.original_size)
        best = int(torch.argmax(scores[0]).item())
        mask = (full[0, best] > self.model.mask_threshold).cpu().numpy()
        return SegmentResult(np.where(mask, 255, 0).astype(np.uint8), METHOD_SAM,
                             score=float(np.clip(scores[0, best].item(), 0.0, 1.0)),
                             logits=low[0, best].cpu().numpy().astype(np.float32))
