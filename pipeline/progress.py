"""Progress of long stages, as log lines: how many files, reports and years so far.

A stage creates a `Progress` with its total and calls `advance` as work completes. A line is
logged (logger `pipeline.progress`, level INFO) at most every `interval` seconds and once at the
end, so a run over 10^5 files prints a few dozen lines, not 10^5. The CLI shows these lines on
the terminal; under Dagster they reach the run's log when `pipeline` is a managed Python logger
(deploy/dagster.yaml).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

logger = logging.getLogger("pipeline.progress")


class Progress:
    """Counts of one stage's work, logged now and then and at the end."""

    def __init__(
        self,
        stage: str,
        total: int,
        unit: str = "files",
        *,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        log: logging.Logger = logger,
    ) -> None:
        self.stage = stage
        self.total = total
        self.unit = unit
        self.done = 0
        self.counts: dict[str, int] = {}
        self._interval = interval
        self._clock = clock
        self._log = log
        self._started = clock()
        self._last = self._started
        self._finished = False

    def advance(self, done: int = 1, **counts: int) -> None:
        """Record `done` more units and add to the named counts (reports=3, ...)."""
        self.done += done
        for name, value in counts.items():
            self.counts[name] = self.counts.get(name, 0) + value
        now = self._clock()
        if now - self._last >= self._interval and self.done < self.total:
            self._last = now
            self._log.info("%s", self.line(now))

    def finish(self) -> None:
        """Log the final line (once), if there was anything to do."""
        if self._finished:
            return
        self._finished = True
        if self.total or self.done:
            self._log.info("%s", self.line(self._clock(), final=True))

    def line(self, now: float, *, final: bool = False) -> str:
        """The progress line: done/total, the counts, the elapsed and the remaining time."""
        elapsed = now - self._started
        share = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
        counts = "".join(f", {value:,} {name}" for name, value in self.counts.items())
        text = f"{self.stage}: {self.done:,}/{self.total:,} {self.unit}{share}{counts}, "
        text += f"{elapsed:.1f} s"
        if final:
            return text + " - done"
        if self.done and self.total > self.done:
            remaining = elapsed / self.done * (self.total - self.done)
            text += f", about {remaining:.0f} s left"
        return text

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *_: object) -> None:
        self.finish()
