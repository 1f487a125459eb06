"""Batch and distributed export on Dask: many clips, and long clips cut into tasks.

- :mod:`.jobs`: job files (a folder of projects, ``VIDEO MASKS OUTPUT`` lines, TOML) -> :class:`JobSpec`;
  :func:`add_to_job_file` queues a saved project.
- :mod:`.tasks`: the worker tasks (plan a clip, export a segment, join the segments).
- :mod:`.runner`: :func:`run_batch` on a local cluster or an existing scheduler, progress and report.
"""

from .jobs import JobSpec, add_to_job_file, parse_jobs
from .runner import BatchProgress, run_batch

__all__ = ["JobSpec", "add_to_job_file", "parse_jobs", "BatchProgress", "run_batch"]
