"""Full-resolution export: STRA-Net residual aggregation over any low-resolution engine, streamed in
chunks with bounded memory, encoded with the source's timing and audio.

- :func:`fill_full_res` (in-memory, for the benchmark and tests) and :func:`restore_frame`
  (:mod:`.pipeline`); residual geometry in :mod:`.residuals`; temporal and spatial aggregation in
  :mod:`.temporal` and :mod:`.spatial`.
- :func:`export_video` (:mod:`.job`): the streaming, resumable, cancellable export job.
"""

from .job import ExportResult, export_video
from .pipeline import RESIDUAL_MODES, RestoreOptions, fill_full_res, restore_frame

__all__ = ["ExportResult", "export_video", "RESIDUAL_MODES", "RestoreOptions", "fill_full_res", "restore_frame"]
