"""Terminal progress bars for CLI commands (tqdm on stderr; quiet when not a terminal)."""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm

from ..jobs import Progress


class ProgressPrinter:
    """Callable that turns :class:`Progress` events into a tqdm bar, one bar per stage."""

    def __init__(self, enabled: bool | None = None, unit: str = "frame") -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.unit = unit
        self._bar: tqdm | None = None
        self._stage: str | None = None

    def __call__(self, event: Any) -> None:
        if not self.enabled or not isinstance(event, Progress):
            return
        if self._bar is None or event.stage != self._stage or event.total != self._bar.total:
            self.close()
            self._stage = event.stage
            self._bar = tqdm(total=event.total, desc=event.stage or None, unit=self.unit,
                             file=sys.stderr, leave=False, dynamic_ncols=True)
        self._bar.n = event.done
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> ProgressPrinter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
