"""Progress of a build on the terminal: one line per stage, with counts, for builds that take more
than a moment. Quiet when standard error is not a terminal (CI logs, pipes) unless asked for."""

from __future__ import annotations

import sys
import time
from typing import IO, Literal

Mode = Literal["quiet", "auto", "verbose"]
#: In "auto" mode, stages finishing before this many seconds are not shown: a fast build says nothing.
DELAY = 0.5


class Progress:
    """Called with a stage's description when the stage ends: `progress("checked 2 sources, …")`."""

    def __init__(self, mode: Mode = "auto", stream: IO[str] | None = None) -> None:
        self.mode = mode
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.perf_counter()
        self.last = self.started
        self.on_terminal = bool(getattr(self.stream, "isatty", lambda: False)())

    def note(self, line: str) -> None:
        """Show how a long stage is going, without ending it (the stage's time still counts from its start)."""
        if self.mode == "verbose" or (self.mode == "auto" and self.on_terminal):
            self.stream.write(f"{line}\n")
            self.stream.flush()

    def __call__(self, stage: str) -> None:
        """Show that `stage` is done, with its time in verbose mode."""
        now = time.perf_counter()
        took, self.last = now - self.last, now
        if self.mode == "verbose":
            self.stream.write(f"{stage} ({took:.2f} s)\n")
        elif self.mode == "auto" and self.on_terminal and now - self.started >= DELAY:
            self.stream.write(f"{stage}\n")
        self.stream.flush()
