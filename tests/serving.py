"""Running `primer serve` in a test: on a free port of 127.0.0.1, in a thread, stopped by the test."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from primer import build as build_mod
from primer.serve import serve


@dataclass
class Server:
    """A running `primer serve` on a free port, stopped at the end of the test."""

    url: str
    content: Path
    said: list[str] = field(default_factory=list)

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8")

    def state(self) -> dict[str, Any]:
        return dict(json.loads(self.get("__primer/state")[1]))

    def wait(self, done: Callable[[dict[str, Any]], bool], timeout: float = 20) -> dict[str, Any]:
        """Poll the server's state until `done` holds (a rebuild after an edit)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.state()
            if done(state):
                return state
            time.sleep(0.05)
        raise AssertionError(f"the server did not rebuild: {self.state()}")


def start(content: Path, port: int = 0) -> tuple[Server, threading.Event, threading.Thread]:
    """Start serving `content` in a thread; returns once it listens."""
    stop = threading.Event()
    ready: list[str] = []
    said: list[str] = []
    thread = threading.Thread(
        target=serve, args=(content, port), kwargs={"echo": said.append, "stop": stop, "ready": ready.append}
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not ready and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert ready, "the server did not start"
    return Server(ready[0], content, said), stop, thread


def edit(path: Path, old: str, new: str) -> None:
    """Replace `old` by `new` in a content file, as an author's editor would."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def renders(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """A list that each page, file or download the served builds make from now on goes into, as (the name of
    the thread that made it, its path)."""
    made: list[tuple[str, str]] = []
    real = build_mod.Preview.get

    def get(self: build_mod.Preview, rel: str) -> bytes | None:
        made.append((threading.current_thread().name, rel))
        return real(self, rel)

    monkeypatch.setattr(build_mod.Preview, "get", get)
    return made
