"""`primer serve`: build in memory, serve on 127.0.0.1, rebuild when content or templates change,
and reload open pages (server-sent events; no third-party script). Content errors show in an
overlay on the page, each linked to its line in VS Code, until they are fixed.

Nothing is written to disk: each build is kept in memory and swapped in whole when it succeeds,
so a page is never served half-built. The last good build stays up while the content has errors.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import errno
import gc
import hashlib
import json
import multiprocessing
import os
import posixpath
import re
import socket
import sys
import threading
import time
import webbrowser
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import click

from primer import build as build_mod
from primer import maps, memo, parallel
from primer import parsed as parse_cache
from primer.cache import Seen, base_key, build_key, content_digest
from primer.content.library import ParseCache
from primer.errors import ContentError, Problem, no_content_folder
from primer.report import Report, let_go_of_units

HOST = "127.0.0.1"
#: The server's own paths; content never has a folder starting with '__'.
EVENTS, STATE = "/__primer/events", "/__primer/state"
#: How often an idle event stream sends a comment, so that closed tabs are noticed.
KEEPALIVE_SECONDS = 10.0

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
    ".apkg": "application/octet-stream",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv; charset=utf-8",
    ".gift": "text/plain; charset=utf-8",
}

#: The page script: listens for builds, reloads on a new one, shows and clears the error overlay.
RELOAD_JS = r"""(() => {
  const served = Number(document.currentScript.dataset.generation);
  const box = document.createElement("div");
  box.id = "primer-overlay";
  box.setAttribute("role", "alert");
  box.hidden = true;
  box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2rem;" +
    "background:rgba(20,20,20,.94);color:#fff;font:15px/1.5 ui-monospace,monospace";
  document.body.append(box);
  function show(state) {
    box.replaceChildren();
    if (!state.problems.length) { box.hidden = true; return; }
    const h = document.createElement("h2");
    h.textContent = `primer: ${state.problems.length} problem${state.problems.length === 1 ? "" : "s"} ` +
      "in the content (the page shows the last good build)";
    h.style.cssText = "color:#ff8a80;font-size:1.2rem;margin:0 0 1rem";
    const list = document.createElement("ul");
    list.style.cssText = "list-style:none;padding:0;margin:0";
    for (const p of state.problems) {
      const li = document.createElement("li");
      li.style.margin = "0 0 .75rem";
      const a = document.createElement("a");
      a.href = p.editor;
      a.textContent = `${p.path}:${p.line}:${p.col}`;
      a.style.color = "#80d8ff";
      li.append(a, document.createTextNode(`: ${p.severity === "warning" ? "warning: " : ""}${p.message}` +
        (p.fix ? ` — ${p.fix}` : "")));
      list.append(li);
    }
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "Hide until the next change";
    close.addEventListener("click", () => { box.hidden = true; });
    box.append(h, list, close);
    box.hidden = false;
  }
  // the page it is opened for: after a save the server renders that page while the browser reloads
  const events = new EventSource("/__primer/events?page=" + encodeURIComponent(location.pathname));
  events.addEventListener("state", (e) => {
    const state = JSON.parse(e.data);
    if (state.errors) { show(state); return; }  // warnings alone never cover the page
    box.hidden = true;
    if (state.generation !== served) location.reload();
  });
})();
"""


@dataclass
class _State:
    """The latest good build, the problems of the latest attempt, and a counter clients wait on."""

    content: Path
    output: build_mod.Preview | None = None
    generation: int = 0
    #: every build attempt, good or not: a page is told about each
    attempt: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    errors: bool = False
    #: the files parsed so far: a save re-parses only the files it changed
    parsed: ParseCache = field(default_factory=ParseCache)
    #: the process that makes the checks that only warn
    checker: _Checker = field(default_factory=lambda: _Checker())
    #: where the server's lines go (the terminal)
    echo: Callable[[str], None] = lambda line: None
    #: the build shown is served while the checks that only warn still run
    checking: bool = False
    changed: threading.Condition = field(default_factory=threading.Condition)
    #: the build key (`primer.cache.build_key`) of the last attempt: a save that changed nothing redoes nothing
    key: str | None = None
    #: its part for all but the content (`primer.cache.base_key`), made again when primer's own files change
    base: str | None = None
    #: the content files hashed so far: a save reads again only the files it changed
    seen: Seen = field(default_factory=Seen)
    #: the pages open in a browser (by their event streams): how many streams each has
    viewing: Counter[str] = field(default_factory=Counter)

    def open_pages(self) -> list[str]:
        """The pages open in a browser, at most `WARMED_PAGES` of them (the most streams first, then by name)."""
        with self.changed:
            ranked = sorted((-count, rel) for rel, count in self.viewing.items() if count > 0)
        return [rel for _, rel in ranked[:WARMED_PAGES]]

    def snapshot(self) -> dict[str, Any]:
        """What the page script is told: the build it would show, and any problems."""
        with self.changed:
            return {
                "generation": self.generation,
                "attempt": self.attempt,
                "errors": self.errors,
                "checking": self.checking,
                "problems": self.problems,
            }


def _editor_link(content: Path, path: str, line: int, col: int) -> str:
    """A vscode://file/… link to a problem's line (paths are shown relative to the content's parent)."""
    full = (content.parent / path).absolute().as_posix()
    return f"vscode://file{quote(full if full.startswith('/') else '/' + full)}:{line}:{col}"


def _bug(content: Path, exc: Exception, doing: str) -> dict[str, Any]:
    """A problem that is a bug in primer, as the page shows it."""
    what = (str(exc).splitlines() or [""])[0][:200]
    return {
        "path": str(content),
        "line": 1,
        "col": 1,
        "message": f"primer failed while {doing} ({type(exc).__name__}: {what}); this is a bug in primer",
        "fix": "run primer build --debug to see the traceback",
        "severity": "error",
        "editor": "",
    }


def _shown(state: _State, found: list[Problem]) -> list[dict[str, Any]]:
    return [{**p.__dict__, "editor": _editor_link(state.content, p.path, p.line, p.col)} for p in found]


#: The garbage of earlier builds (about 3 MiB a save at 64 topics; collecting it takes 0.15–0.3 s, which a
#: save made meanwhile would wait for) is collected once the author has paused this long after a build …
COLLECT_AFTER_SECONDS = 5.0
#: … or, for an author who never pauses (an editor that saves as they type), after this many builds.
COLLECT_AFTER_BUILDS = 20


#: The open pages a new build renders at once, while their browsers reload (see `Preview.warm`).
WARMED_PAGES = 8


def collect() -> None:
    """Free what earlier builds left behind (unfreeze, collect, freeze what is alive again)."""
    parallel.unfreeze()
    gc.collect()
    parallel.freeze()


def rebuild(state: _State) -> tuple[float, int]:
    """Build once into memory; on success swap it in (its pages render when asked for), on failure keep the
    last good build and record the problems; then, for a build swapped in, make the checks that only warn
    and add their warnings. Returns (seconds until the swap, problem count)."""
    started = time.perf_counter()
    if state.base is None:
        state.base = base_key(state.content, {"serve": True})
    key = build_key(state.content, {"serve": True}, state.base, content_digest(state.content, state.seen))
    if key is not None and key == state.key:  # saved again unchanged, or a change undone before it was seen
        return time.perf_counter() - started, len(state.problems)
    state.key = key
    problems: list[dict[str, Any]] = []
    output: build_mod.Preview | None = None
    found: list[Problem] = []
    try:
        with build_mod.collector_paused():  # what the check leaves alive is frozen: `collect` frees the rest later
            found, output = build_mod.preview(state.content, state.parsed)
    except ContentError as exc:
        found = exc.problems
    except Exception as exc:  # noqa: BLE001 - a bug must not stop the server; it shows on the page
        problems.append(_bug(state.content, exc, "building"))
    problems += _shown(state, found)
    if output is not None and (pages := state.open_pages()):
        # rendered while the browsers that show them reload, not once they ask (see `Preview.warm`): started
        # before they are told (below), so that a browser's request does not come first on a busy machine
        threading.Thread(target=output.warm, args=(pages,), daemon=True, name="primer-warm").start()
    with state.changed:
        state.errors = output is None
        if output is not None:
            state.output = output
            state.generation += 1
        state.problems = problems
        state.checking = output is not None and not output.complete
        state.attempt += 1
        state.changed.notify_all()
    took = time.perf_counter() - started
    if output is not None and not output.complete:
        with state.changed:
            attempt = state.attempt
        made = state.checker.submit(state.content)
        if made is not None:
            output.report_from(lambda: made.result()[1])
        # The warnings that remain come from a thread of their own, so that the next save is seen at once.
        late = threading.Thread(target=_late, args=(state, output, attempt, made), daemon=True, name="primer-late")
        late.start()
    return took, len(problems)


def _page_of(query: str) -> str | None:
    """The file of the page an event stream was opened for (`?page=` and its path), or None."""
    path = parse_qs(query).get("page", [""])[0]  # decoded already
    if not path.startswith("/") or path.startswith("/__primer/"):
        return None
    rel = posixpath.normpath(path).lstrip("/")
    return f"{rel}/index.html" if rel and path.endswith("/") else rel or "index.html"


def _in_background() -> None:
    """Run the checker process at a lower priority: the server, the next save's check and the browser go first."""
    with contextlib.suppress(AttributeError, OSError):  # Linux only: runs only when a core is idle
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        return
    with contextlib.suppress(AttributeError, OSError):  # os.nice exists on Unix only
        os.nice(10)


class _Checker:
    """A process of its own for the checks that only warn, started on first use (spawned: the server
    runs threads, which forking does not mix with), so that they run on another core and the server
    and the next save never wait for them."""

    def __init__(self) -> None:
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._last: concurrent.futures.Future[tuple[list[Problem], Report]] | None = None

    def submit(self, content: Path) -> concurrent.futures.Future[tuple[list[Problem], Report]] | None:
        """`late_check` of `content` in the process, or None when no process can be had. The check of an
        earlier save that has not started yet is dropped (one that runs stops itself: `Superseded`)."""
        try:
            if self._pool is None:
                self._pool = concurrent.futures.ProcessPoolExecutor(
                    1, mp_context=multiprocessing.get_context("spawn"), initializer=_in_background
                )
            if self._last is not None:
                self._last.cancel()
            self._last = self._pool.submit(build_mod.late_check, content)
            return self._last
        except (OSError, RuntimeError, concurrent.futures.BrokenExecutor):
            self._pool = None
            return None

    def close(self) -> None:
        """Stop the process (work not started is dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


def _late(
    state: _State,
    output: build_mod.Preview,
    attempt: int,
    made: concurrent.futures.Future[tuple[list[Problem], Report]] | None,
) -> None:
    """Add the warnings of the checks that only warn, for a build already swapped in, to the page's (unless
    a newer build was attempted meanwhile: then they are dropped). They come from the checker's process
    (`made`), or are made here when it has none or it failed."""
    found: list[Problem] | None = None
    while made is not None:
        try:
            found = made.result()[0]
            break
        except (build_mod.Superseded, concurrent.futures.CancelledError):
            # the lesson changed while it was checked: a newer build checks it, unless there is none (the
            # change was undone before the watcher saw it), when it is checked again as it is now
            if state.attempt != attempt:
                return
            made = state.checker.submit(state.content)
        except Exception:  # noqa: BLE001 - the lesson no longer loads there, or the process died: made here
            break
    if state.attempt != attempt:
        return  # already replaced: no use checking it
    try:
        late = _shown(state, found if found is not None else build_mod.late_warnings(output))
    except Exception as exc:  # noqa: BLE001 - a bug must not stop the server; it shows on the page
        late = [_bug(state.content, exc, "checking")]
    with state.changed:
        if state.attempt != attempt:
            return
        state.problems = sorted([*state.problems, *late], key=lambda p: (p["path"], p["line"], p["col"], p["message"]))
        state.errors = state.errors or any(p["severity"] == "error" for p in late)  # a bug
        state.checking = False
        state.attempt += 1
        state.changed.notify_all()
        echo = state.echo  # taken here: `serve` sets it once it has said where it serves (see there)
    if late:
        echo(_more(len(late)))


def _more(count: int) -> str:
    return f"then {count} more warning{'s' * (count != 1)} from the checks that only warn (shown on the page)"


def _failed(exc: Exception) -> bytes:
    """The page served when a page fails to render: what failed, in one line (the overlay shows the rest)."""
    if isinstance(exc, ContentError):
        what = "; ".join(f"{p.path}:{p.line}:{p.col}: {p.message} — {p.fix}" for p in exc.problems)
    else:
        what = f"primer failed while rendering this page ({type(exc).__name__}); this is a bug in primer"
    return f"<!doctype html><title>Not rendered</title><body><p>{escape(what)}</p></body>".encode()


def _tag(body: bytes) -> str:
    """A file's version: the hash of its bytes."""
    return hashlib.blake2b(body, digest_size=16).hexdigest()


#: A style sheet or script a page loads with it, by an address relative to the page.
_LOADED = re.compile(rb'(<(?:link|script)\b[^>]*?\b(?:href|src)=")([^":?#]+)(")')


def _versioned(html: bytes, rel: str, output: build_mod.Preview) -> bytes:
    """The page `rel` with each style sheet and script of the build it loads named by its version (`?v=`
    and its hash), which the browser may then keep without asking whether it changed (see `_send`): only
    the served page changes, as the page script does."""

    def named(match: re.Match[bytes]) -> bytes:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), match[2].decode()))
        body = None if target.startswith("../") or target.endswith(".html") else output.get(target)
        if body is None:
            return match[0]
        return match[1] + match[2] + b"?v=" + _tag(body).encode() + match[3]

    return _LOADED.sub(named, html)


def _inject(html: bytes, generation: int) -> bytes:
    """`html` with the page script in it (in the page itself, so that a reload asks for one file less before
    the page is shown)."""
    tag = f'<script data-generation="{generation}">{RELOAD_JS}</script>'.encode()
    at = html.rfind(b"</body>")
    return html[:at] + tag + html[at:] if at >= 0 else html + tag


_WAITING = b"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>primer serve</title></head>
<body><main><h1>No build yet</h1><p>The content has problems; they are listed on this page.</p></main></body></html>"""


class _Handler(BaseHTTPRequestHandler):
    state: _State
    stop: threading.Event
    server_version = "primer"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal shows builds, not requests."""

    def _send(self, status: int, body: bytes, kind: str, *, revalidate: bool = False, version: str = "") -> None:
        """Send `body`; with `revalidate` (a style sheet, script or picture), the browser may keep it and ask
        whether it changed (by its hash). Asked for by the `version` a page names it by (`_versioned`) and
        holding it still, it is kept without asking: a reload after a save fetches only the page itself."""
        digest = _tag(body) if revalidate and status == 200 else None
        tag = f'"{digest}"' if digest is not None else None
        # an address that names this version is never asked for again: the next version has another
        keep = "max-age=31536000, immutable" if digest is not None and version == digest else "no-cache"
        if tag is not None and tag in self.headers.get("If-None-Match", ""):
            self.send_response(304)
            self.send_header("ETag", tag)
            self.send_header("Cache-Control", keep)
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if tag is not None:
            self.send_header("ETag", tag)
            self.send_header("Cache-Control", keep)
        else:
            self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self) -> None:
        """Like GET, without the body."""
        self.do_GET()

    def do_GET(self) -> None:
        """A file of the latest good build, or the server's own event stream and state."""
        address = urlsplit(self.path)
        path = unquote(address.path)
        if path == EVENTS:
            self._events(_page_of(address.query))
            return
        if path == STATE:
            self._send(200, json.dumps(self.state.snapshot()).encode(), "application/json")
            return
        rel = path.lstrip("/")
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        with self.state.changed:
            output, generation = self.state.output, self.state.generation
        if output is None:
            self._send(200, _inject(_WAITING, generation), _TYPES[".html"])
            return
        try:
            data, status = output.get(rel), 200
            if data is None and output.get(rel + "/index.html") is not None:
                self.send_response(301)
                self.send_header("Location", path + "/")
                self.end_headers()
                return
            if data is None:
                data, status, rel = output.get("404.html") or b"not found", 404, "404.html"
        except Exception as exc:  # noqa: BLE001 - a page that fails to render is shown, and the server goes on
            data, status, rel = _failed(exc), 500, "500.html"
        kind = _TYPES.get(Path(rel).suffix, "application/octet-stream")
        if rel.endswith(".html"):
            data = _inject(_versioned(data, rel, output), generation)
        version = parse_qs(address.query).get("v", [""])[0]
        self._send(status, data, kind, revalidate=not rel.endswith(".html"), version=version)

    def _events(self, page: str | None) -> None:
        if page is not None:  # counted before the answer: a page told the stream is open is warmed by the next build
            with self.state.changed:
                self.state.viewing[page] += 1
        seen: int | None = None
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            while not self.stop.is_set():
                snapshot = self.state.snapshot()
                if snapshot["attempt"] != seen:
                    seen = snapshot["attempt"]
                    self.wfile.write(f"event: state\ndata: {json.dumps(snapshot)}\n\n".encode())
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
                with self.state.changed:
                    self.state.changed.wait(KEEPALIVE_SECONDS)
        except (BrokenPipeError, ConnectionResetError):
            return  # the tab was closed or reloaded
        finally:
            if page is not None:
                with self.state.changed:
                    self.state.viewing[page] -= 1
                    if self.state.viewing[page] <= 0:
                        del self.state.viewing[page]


class PortInUse(click.ClickException):
    """The port asked for is taken; the message suggests a free one."""

    exit_code = 1


def free_port(start: int) -> int | None:
    """The first port from `start` up that nothing listens on at 127.0.0.1, or None."""
    for port in range(start, min(start + 50, 65536)):
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return port
    return None


class _Server(ThreadingHTTPServer):
    """The HTTP server, quiet about a page closed while it was being sent (a reload does that)."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Report a failed request, unless the browser merely went away."""
        if isinstance(sys.exc_info()[1], BrokenPipeError | ConnectionResetError):
            return
        super().handle_error(request, client_address)


def _server(port: int, handler: type[_Handler]) -> ThreadingHTTPServer:
    try:
        return _Server((HOST, port), handler)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        other = free_port(port + 1)
        hint = f"try --port {other}" if other else "stop the other server, or choose another --port"
        raise PortInUse(f"port {port} on {HOST} is in use (another server runs there) — {hint}") from None


def watched_paths(content: Path) -> list[Path]:
    """The content folder, and primer's own templates and static files when they are files on disk
    (an editable install), so that editing a template reloads the page too."""
    paths = [content]
    for folder in ("templates", "static"):
        packaged = resources.files("primer") / folder
        if isinstance(packaged, Path) and packaged.is_dir():
            paths.append(packaged)
    return paths


def serve(
    content: Path,
    port: int = 8000,
    *,
    open_browser: bool = False,
    echo: Callable[[str], None] = click.echo,
    stop: threading.Event | None = None,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Build, serve on 127.0.0.1:`port` (0: any free port) and rebuild on every change until Ctrl-C
    or `stop` is set. `ready` is called with the address once the server listens."""
    from watchfiles import watch  # imported here: only `serve` needs it

    if not content.is_dir():
        raise no_content_folder(content)
    stop = stop or threading.Event()
    memo.enable()  # each save is checked in this process: what the last check made is kept for the next
    # the files parsed by an earlier command come from the parse cache on disk (written back at quiet moments)
    state = _State(content, parsed=parse_cache.resident(content))
    httpd = _server(port, type("Handler", (_Handler,), {"state": state, "stop": stop}))  # a port in use fails first
    took, count = rebuild(state)
    if state.output is not None:  # a large lesson's maps draw from coarse outlines: made while it is read
        maps.coarse_meanwhile(state.output.library)
    httpd.daemon_threads = True
    url = f"http://{HOST}:{httpd.server_address[1]}/"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    echo(f"serving {url} — watching {content} (Ctrl-C to stop)")
    echo(_built(took, count, state))
    with state.changed:  # the first build's late warnings: said here if they came already, else when they come
        state.echo, done, more = echo, not state.checking, len(state.problems) - count
    if done and more > 0:
        echo(_more(more))
    if ready is not None:
        ready(url)
    if open_browser:
        webbrowser.open(url)
    try:
        started, builds = False, 1
        built_at = time.perf_counter()
        lesson = {content.absolute(), content.resolve()}
        for changes in watch(
            *watched_paths(content), stop_event=stop, debounce=50, step=10, rust_timeout=500, yield_on_timeout=True
        ):
            if not changes:  # the files the last build parsed, for the next command (and the next start)
                parse_cache.written(state.parsed)
            if not changes and started:
                memo.release()  # what the last save's check let go of, freed now that nothing waits for it
                let_go_of_units()  # and the units its report's parts forked with
                paused = time.perf_counter() - built_at >= COLLECT_AFTER_SECONDS
                if builds and (paused or builds >= COLLECT_AFTER_BUILDS):
                    collect()  # a quiet moment: the page has reloaded by now
                    builds = 0
                continue
            # the first quiet moment: a save made while the watcher started would go unseen (the key sees it)
            started, attempts = True, state.attempt
            if not all(any(Path(path).is_relative_to(folder) for folder in lesson) for _, path in changes):
                state.base = None  # primer's own templates or static files changed
            took, count = rebuild(state)
            if state.attempt != attempts:  # it built (a save that changed nothing is not one)
                echo(_built(took, count, state))
                built_at, builds = time.perf_counter(), builds + 1
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        with state.changed:
            state.changed.notify_all()  # event streams see the stop and end
        httpd.shutdown()
        httpd.server_close()
        state.checker.close()
        memo.enable(False)


def _built(took: float, count: int, state: _State) -> str:
    if state.errors:
        return f"{count} problem{'s' * (count != 1)} ({took:.2f} s): shown on the page; the last good build stays up"
    warned = f", {count} warning{'s' * (count != 1)}" if count else ""
    return f"built in {took:.2f} s{warned}"
