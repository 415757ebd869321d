"""`primer serve`: builds in memory, serves on 127.0.0.1, rebuilds on change, reports errors to the page."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from primer import build as build_mod
from primer import memo
from primer.errors import ContentError, Problem
from primer.report import REPORT_PAGE, Report
from primer.serve import PortInUse, _in_background, _page_of, serve
from primer.targets.site import SiteRenderer
from serving import Server, edit, renders, start
from tools import ROOT, Invoke, files_read


@pytest.fixture
def server(mini: Path) -> Iterator[Server]:
    """`primer serve` on the small example, on a free port of 127.0.0.1."""
    running, stop, thread = start(mini)
    yield running
    stop.set()
    thread.join(10)
    assert not thread.is_alive(), "the server stops when asked"


def test_serves_the_built_site_on_localhost_with_the_reload_script(server: Server) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    status, html = server.get("")
    assert status == 200
    script = html[html.rindex("<script") : html.rindex("</body>")]
    assert script.startswith('<script data-generation="1">') and "EventSource" in script, (
        "the page script is in the page"
    )
    assert server.get("topics/radars/")[0] == 200
    assert server.get("topics/radars")[0] == 200, "a folder without its '/' is redirected to it"
    assert server.get("no/such/page.html")[0] == 404
    assert server.said[0] == f"serving {server.url} — watching {server.content} (Ctrl-C to stop)"


def test_a_page_is_never_kept_and_a_style_sheet_is_asked_for_again_by_its_hash(server: Server) -> None:
    """After a save the browser reloads the page; its style sheets and scripts come from its cache
    unless they changed (a 304 answers the question), and a page always comes afresh."""
    with urllib.request.urlopen(server.url + "topics/radars/", timeout=10) as page:
        assert page.headers["Cache-Control"] == "no-store" and page.headers["ETag"] is None
    css = server.url + "static/css/primer.css"
    with urllib.request.urlopen(css, timeout=10) as first:
        tag, body = first.headers["ETag"], first.read()
        assert first.headers["Cache-Control"] == "no-cache" and tag and body
    again = urllib.request.Request(css, headers={"If-None-Match": tag})
    with pytest.raises(urllib.error.HTTPError) as answer:  # urllib reports a 304 as an error
        urllib.request.urlopen(again, timeout=10)
    answer.value.close()
    assert answer.value.code == 304 and answer.value.headers["ETag"] == tag
    other = urllib.request.Request(css, headers={"If-None-Match": '"another"'})
    with urllib.request.urlopen(other, timeout=10) as changed:
        assert changed.status == 200 and changed.read() == body


def test_a_page_names_its_style_sheets_and_scripts_by_version_and_those_are_kept(server: Server) -> None:
    """A page asks for each style sheet and script of the build by its hash (`?v=`); asked for so, it is
    kept without asking again, and asked for by an old hash it is asked for again (no-cache)."""
    html = server.get("topics/radars/")[1]
    css = server.url + "static/css/primer.css"
    with urllib.request.urlopen(css, timeout=10) as plain:
        body = plain.read()
    version = hashlib.blake2b(body, digest_size=16).hexdigest()
    assert f'href="../../static/css/primer.css?v={version}"' in html
    scripts = re.findall(r'<script[^>]* src="([^"]+)"', html)
    assert scripts and all("?v=" in src for src in scripts)
    assert re.search(r'<a [^>]*href="[^"]+"', html) and not re.search(r'<a [^>]*href="[^"]*\?v=', html), "links stay"
    with urllib.request.urlopen(f"{css}?v={version}", timeout=10) as kept:
        assert kept.headers["Cache-Control"] == "max-age=31536000, immutable" and kept.read() == body
    with urllib.request.urlopen(f"{css}?v=0123", timeout=10) as old:
        assert old.headers["Cache-Control"] == "no-cache" and old.read() == body


def test_an_edit_rebuilds_an_error_shows_and_a_fix_clears_it(server: Server) -> None:
    topic = server.content / "topics" / "radars.yaml"
    edit(topic, "title: How radars work", "title: How radars see far")
    state = server.wait(lambda s: s["generation"] >= 2)
    assert not state["errors"]
    assert "How radars see far" in server.get("")[1]

    edit(topic, "lede: Radars", 'lede: "Radars')  # an unclosed quote
    state = server.wait(lambda s: s["errors"])
    (problem,) = state["problems"]
    assert problem["path"] == "content/topics/radars.yaml"
    assert (problem["line"], problem["col"]) == (4, 7)
    assert problem["message"].startswith("YAML syntax error: the quote")
    assert problem["editor"] == f"vscode://file{topic.resolve().as_posix()}:4:7"
    assert "How radars see far" in server.get("")[1], "the last good build stays up"

    edit(topic, 'lede: "Radars', "lede: Radars")
    state = server.wait(lambda s: not s["errors"] and s["generation"] >= 3)
    assert state["problems"] == []


def test_the_event_stream_sends_the_state(server: Server) -> None:
    with urllib.request.urlopen(server.url + "__primer/events", timeout=10) as stream:
        assert stream.headers["Content-Type"] == "text/event-stream"
        assert stream.readline() == b"event: state\n"
        data = json.loads(stream.readline().decode("utf-8").removeprefix("data: "))
    assert data["generation"] == 1 and data["errors"] is False


def test_a_new_build_renders_the_pages_open_in_a_browser_before_they_are_asked_for(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page script opens its event stream with the page's path; after a save, the server renders the
    pages that have a stream open while their browsers reload, in a thread of its own, and no others."""
    rendered = renders(monkeypatch)
    running, stop, thread = start(mini)
    try:
        assert "?page=" in running.get("topics/radars/")[1]
        topic = mini / "topics" / "radars.yaml"
        with urllib.request.urlopen(running.url + "__primer/events?page=%2Ftopics%2Fradars%2F", timeout=10) as stream:
            assert stream.readline() == b"event: state\n"
            rendered.clear()
            edit(topic, "title: How radars work", "title: How radars see far")
            running.wait(lambda s: s["generation"] == 2 and not s["checking"])
            deadline = time.monotonic() + 10
            while ("primer-warm", "topics/radars/index.html") not in rendered and time.monotonic() < deadline:
                time.sleep(0.02)
            assert [rel for who, rel in rendered if who == "primer-warm"] == ["topics/radars/index.html"]
        edit(topic, "title: How radars see far", "title: How radars see")
        running.wait(lambda s: s["generation"] == 3 and not s["checking"])  # the closed stream is noticed
        time.sleep(0.3)
        rendered.clear()
        edit(topic, "title: How radars see", "title: How radars work")
        running.wait(lambda s: s["generation"] == 4 and not s["checking"])
        time.sleep(0.3)
        assert [rel for who, rel in rendered if who == "primer-warm"] == [], "no page is open"
    finally:
        stop.set()
        thread.join(10)


def test_warming_leaves_a_page_that_needs_the_report_or_the_downloads_to_be_asked_for(mini: Path) -> None:
    """A page warmed before it is asked for never waits for the report (made by another process) or the
    handouts and exports: it is rendered when asked for, as the other pages are warmed meanwhile."""
    asked: list[str] = []

    def report() -> Report:
        asked.append("report")
        return build_mod.run_report(output.library, output.derived, mini)

    _, output = build_mod.preview(mini)
    output.report_from(report)
    teacher, topic = "teacher/index.html", "topics/radars/index.html"
    output.warm([REPORT_PAGE, teacher, topic])
    assert output._done.keys() == {topic} and output._downloads is None and asked == []
    assert output.get(topic) == output._done[topic]
    assert b"radars" in (output.get(REPORT_PAGE) or b"") and asked == ["report"]
    assert output.get(teacher) and output._downloads is not None


@pytest.mark.parametrize(
    ("query", "page"),
    [
        ("page=%2Ftopics%2Fradars%2F", "topics/radars/index.html"),
        ("page=%2F", "index.html"),
        ("page=%2Ftopics%2Fradars%2Fquiz.html", "topics/radars/quiz.html"),
        ("page=%2F__primer%2Fstate", None),
        ("page=topics", None),
        ("", None),
    ],
)
def test_an_event_stream_names_the_page_it_is_open_for(query: str, page: str | None) -> None:
    assert _page_of(query) == page


def test_a_port_in_use_says_so_and_suggests_a_free_one(mini: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUse) as caught:
            serve(mini, port, echo=lambda _: None)
    message = caught.value.message
    assert message.startswith(f"port {port} on 127.0.0.1 is in use (another server runs there) — try --port ")
    suggested = int(message.rsplit(" ", 1)[1])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", suggested))  # free, as promised


def test_the_cli_reports_a_port_in_use_in_one_line(mini: Path, cli: Invoke) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("serve", "--content", mini, "--port", port)
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Error: port {port} on 127.0.0.1 is in use (another server runs there) — try --port ")


# --------------------------------------------------------------------------- pages rendered on request


@pytest.mark.parametrize("lesson", ["mini", "shipped", "many"])
def test_the_preview_renders_every_file_as_the_build_does(
    lesson: str, mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`primer serve` renders a page when it is asked for; each file has the bytes a build gives it (also the
    pages of a lesson of many topics, each topic's coverage and balance among them, from the report it makes
    on first use)."""
    content = ROOT / "content" if lesson == "shipped" else mini
    if lesson == "many":
        monkeypatch.setattr("primer.targets.site.TOPICS_ON_REPORT", 0)
    result = build_mod._validate(content, False)
    built = build_mod._render(result, content, pdf=False)
    found, lazy = build_mod.preview(content)
    page = "topics/radars/index.html" if lesson == "mini" else "topics/japan-aegis-ashore/index.html"
    assert lazy.get(page) == built.get(page), "one page, asked for first, before anything else is made"
    assert lazy._downloads is None, "a student page does not make the handouts and exports"
    assert lazy._report is None, "nor the report"
    assert lazy.paths() == built.paths()
    assert ("teacher/report/radars.html" in built.paths()) == (lesson == "many")
    for path in built.paths():
        assert lazy.get(path) == built.get(path), path
    assert lazy.get("no/such/file.html") is None
    assert not lazy.complete
    assert sorted([*found, *build_mod.late_warnings(lazy)]) == result.warnings, "the same warnings, in two parts"


def test_a_lessons_template_that_fails_while_rendering_is_a_problem_before_the_swap(mini: Path) -> None:
    """A lesson's own template is rendered whole at once, so that its failure stops the preview."""
    template = mini / "templates" / "site" / "topic.html"
    template.parent.mkdir(parents=True)
    template.write_text(
        '{% extends "default:site/topic.html" %}{% block main %}{{ lib.topics["nope"].title }}{% endblock %}'
    )
    with pytest.raises(ContentError) as caught:
        build_mod.preview(mini)
    (problem,) = caught.value.problems
    assert problem.path == "content/templates/site/topic.html"


def test_a_page_that_fails_to_render_is_served_as_an_error_and_the_server_goes_on(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug while rendering one page on request: that page says so in one line; the others still work."""

    def broken(self: object, page: object) -> str:
        raise RuntimeError("boom")

    topic = server.content / "topics" / "radars.yaml"
    monkeypatch.setattr(SiteRenderer, "render", broken)
    edit(topic, "title: How radars work", "title: How radars see far")
    server.wait(lambda s: s["generation"] >= 2)
    status, html = server.get("topics/radars/")
    assert status == 500
    assert "primer failed while rendering this page (RuntimeError); this is a bug in primer" in html
    monkeypatch.undo()
    assert server.get("")[0] == 200


def test_a_save_parses_again_only_the_files_it_changed(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The serve's parse cache: an unchanged file is not parsed again, a changed one is, and a file with
    problems reports them again on every load, as without the cache."""
    from primer.content import library

    parsed: list[str] = []
    real = library.parse_file

    def counting(raw: bytes, shown: str, path: Path, problems: list[Problem]) -> object:
        parsed.append(path.name)
        return real(raw, shown, path, problems)

    monkeypatch.setattr(library, "parse_file", counting)
    cache = library.ParseCache()
    first = library.load_library(mini, cache)
    files = len(parsed)
    assert files >= 8
    edit(mini / "topics" / "radars.yaml", "title: How radars work", "title: How radars see far")
    again = library.load_library(mini, cache)
    assert parsed[files:] == ["radars.yaml"]
    fresh = library.load_library(mini)
    assert again.topics == fresh.topics and again.terms == first.terms
    assert again.topics["radars"].title == "How radars see far"

    assert {key[1] for key in cache._files} == {str(path) for path in mini.rglob("*.yaml")}
    cache.keep_only({mini / "site.yaml"})  # as after a load that read only site.yaml: the rest forgotten
    assert {key[1] for key in cache._files} == {str(mini / "site.yaml")}
    library.load_library(mini, cache)

    edit(mini / "glossary.yaml", "terms:", "terms: [")
    for _ in range(2):
        with pytest.raises(ContentError) as caught:
            library.load_library(mini, cache)
        with pytest.raises(ContentError) as uncached:
            library.load_library(mini)
        assert caught.value.problems == uncached.value.problems


def test_a_load_reads_again_only_the_files_whose_status_changed(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The serve's parse cache does not read a file again whose status (inode, size, times) is as it was when
    it was read, unless it was written so shortly before that read that a write may have left its times as
    they were, or it is a link (its target may have changed). The load is the same as without the cache."""
    from primer.content import library

    read: list[str] = []
    real = library.read_file

    def counting(path: Path, *args: Any) -> bytes | None:
        read.append(path.name)
        return real(path, *args)

    monkeypatch.setattr(library, "read_file", counting)
    every = sorted(path.name for path in mini.rglob("*.yaml"))
    cache = library.ParseCache()
    library.load_library(mini, cache)
    library.load_library(mini, cache)
    assert sorted(read) == sorted(every * 2), "just copied: read again"

    monkeypatch.setattr(library.ParseCache, "RACY_NS", -(10**18))  # as if written long before
    library.load_library(mini, cache)
    read.clear()
    library.load_library(mini, cache)
    assert read == [], "nothing changed: nothing read"
    edit(mini / "topics" / "radars.yaml", "title: How radars work", "title: How radars see far")
    again = library.load_library(mini, cache)
    assert read == ["radars.yaml"] and again.topics["radars"].title == "How radars see far"
    assert again.topics == library.load_library(mini).topics

    (mini / "glossary.yaml").rename(mini / "topics" / "terms.txt")
    (mini / "glossary.yaml").symlink_to(Path("topics") / "terms.txt")
    library.load_library(mini, cache)
    read.clear()
    linked = library.load_library(mini, cache)
    assert read == ["glossary.yaml"], "a link is read at every load"
    (mini / "topics" / "terms.txt").write_text(
        (mini / "topics" / "terms.txt").read_text(encoding="utf-8").replace("  definition: ", "  definition: Now, ", 1),
        encoding="utf-8",
    )
    changed = library.load_library(mini, cache)
    assert changed.terms != linked.terms and changed.terms == library.load_library(mini).terms


def test_a_change_to_primers_own_files_makes_a_new_build(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The part of the build key for primer's own files is made once, and again when the watcher sees one
    of them change (an editable install's templates and style sheets): that change is a new build."""
    from primer import cache
    from primer import serve as serve_mod

    package = tmp_path / "package"
    (package / "templates").mkdir(parents=True)
    (package / "templates" / "page.html").write_text("one")
    monkeypatch.setattr(cache, "PACKAGE", package)
    monkeypatch.setattr(serve_mod, "watched_paths", lambda content: [content, package / "templates"])
    running, stop, thread = start(mini)
    try:
        assert running.state()["generation"] == 1
        (package / "templates" / "page.html").write_text("two")
        running.wait(lambda s: s["generation"] == 2)
        edit(mini / "topics" / "radars.yaml", "title: How radars work", "title: How radars see far")
        running.wait(lambda s: s["generation"] == 3)
    finally:
        stop.set()
        thread.join(10)


def test_a_save_hashes_again_only_the_files_it_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The key of each save (`primer.cache.Seen`): a file whose status is unchanged is not read again, unless
    it changed so shortly before it was read that a write may have left its times as they were."""
    from primer.cache import Seen, content_digest

    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(f"id: {name}\n")
    read = files_read(monkeypatch)
    racy = Seen()
    first = content_digest(tmp_path, racy)
    assert content_digest(tmp_path, racy) == first and read == ["a.yaml", "b.yaml"] * 2, "just written: read again"

    seen = Seen()
    monkeypatch.setattr(Seen, "RACY_NS", -(10**18))  # as if written long before
    assert content_digest(tmp_path, seen) == first
    read.clear()
    assert content_digest(tmp_path, seen) == first and read == []
    (tmp_path / "b.yaml").write_text("id: c.yaml\n")  # the same size
    changed = content_digest(tmp_path, seen)
    assert read == ["b.yaml"] and changed != first and changed == content_digest(tmp_path, Seen())


def test_the_warnings_that_only_warn_follow_the_swapped_in_build(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A save swaps its build in after the checks that can stop it; the checks that only warn run in a
    process of their own and their warnings reach the page a moment later, without a reload."""

    def not_here(preview: object) -> None:
        raise AssertionError("made in the server's process, not the checker's")

    monkeypatch.setattr(build_mod, "late_warnings", not_here)  # the spawned process imports its own
    glossary = server.content / "glossary.yaml"
    edit(glossary, "    term: radar\n", "    term: radar\n    not_in: [Weather Service]\n")
    state = server.wait(lambda s: s["generation"] >= 2 and not s["checking"])
    assert not state["errors"]
    (problem,) = state["problems"]
    assert (
        problem["severity"] == "warning" and "“Weather Service” contains none of the term's names" in problem["message"]
    )
    assert (problem["path"], problem["line"]) == ("content/glossary.yaml", 4)
    said = "then 1 more warning from the checks that only warn (shown on the page)"
    for _ in range(100):  # said on the terminal just after the state changes
        if said in server.said:
            break
        time.sleep(0.05)
    assert said in server.said
    generation = state["generation"]
    edit(glossary, "    not_in: [Weather Service]\n", "")
    state = server.wait(lambda s: s["generation"] > generation and not s["checking"])
    assert state["problems"] == [], "the warning goes once fixed"


def test_a_late_check_stops_when_the_lesson_changes_under_it(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks that only warn take seconds on a large lesson: once the lesson has changed, what they would
    find is out of date, so they stop (a newer save is checked next) instead of keeping a core busy."""
    deriving = build_mod.derive

    def saved_meanwhile(lib: object) -> object:
        glossary = mini / "glossary.yaml"
        glossary.write_text(glossary.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        return deriving(lib)  # type: ignore[arg-type]

    monkeypatch.setattr(build_mod, "derive", saved_meanwhile)
    try:
        with pytest.raises(build_mod.Superseded):
            build_mod.late_check(mini)
        monkeypatch.setattr(build_mod, "derive", deriving)
        _, report = build_mod.late_check(mini)  # unchanged while it runs: it finishes
        assert report.findings is not None
    finally:
        memo.enable(False)  # `late_check` turns them on, for the process it runs in


def test_the_checker_process_loads_from_the_parse_cache_and_writes_nothing(
    mini: Path, own_cache: Path, parses: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checker's first load reads the entries the server's process (or an earlier command) wrote; what it
    parses after a save, the server writes."""

    build_mod.check(mini)
    entries = sorted((own_cache / "parsed").glob("*/*/*.pickle"))
    parses.clear()
    monkeypatch.setattr(build_mod, "_LATE_CACHE", {})
    try:
        build_mod.late_check(mini)
        assert parses == []
        edit(mini / "topics" / "radars.yaml", "title: How radars work", "title: How radars see far")
        build_mod.late_check(mini)
        assert parses == ["radars.yaml"]
        assert sorted((own_cache / "parsed").glob("*/*/*.pickle")) == entries
    finally:
        memo.enable(False)  # `late_check` turns them on, for the process it runs in


def test_a_newer_save_drops_the_late_check_that_has_not_started(mini: Path) -> None:
    import concurrent.futures

    from primer.serve import _Checker

    checker = _Checker()
    busy = threading.Event()
    checker._pool = concurrent.futures.ThreadPoolExecutor(1)  # type: ignore[assignment]
    try:
        checker._pool.submit(busy.wait, 10)  # the worker is busy with an older check
        first = checker.submit(mini)
        second = checker.submit(mini)
        assert first is not None and first.cancelled(), "dropped before it started"
        assert second is not None and not second.cancelled()
        busy.set()
        assert second.result(timeout=60)[1] is not None
    finally:
        busy.set()
        checker._pool.shutdown()
        memo.enable(False)  # `late_check` turned them on in this process


def _policy() -> int:
    _in_background()
    return os.sched_getscheduler(0)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SCHED_IDLE is Linux's")
def test_the_checker_process_runs_only_when_a_core_is_idle() -> None:
    """The checks that only warn must not slow the next save or the browser's reload (with a lower nice
    value alone they took a tenth of a core from them)."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.apply(_policy) == os.SCHED_IDLE


def test_the_server_starts_from_the_parse_cache_and_writes_what_it_parsed(
    mini: Path, own_cache: Path, parses: list[str]
) -> None:
    """`primer serve` loads from the parse cache on disk what an earlier command parsed (at 256 topics, 0.5 s
    against 2.5 s to parse every file), and writes there what it parsed at its next quiet moment, the older
    version's entry gone: the next command, or the next start, parses only what changed since."""
    from primer.parsed import Stored

    build_mod.check(mini)
    parses.clear()

    def entries() -> set[str]:
        return {p.name for p in (own_cache / "parsed").glob("*/*/*.pickle")}

    first = entries()
    topic = mini / "topics" / "radars.yaml"
    old = Stored._name("topic", topic, topic.read_bytes())
    running, stop, thread = start(mini)
    try:
        assert parses == [], "every file from the parse cache"
        edit(topic, "title: How radars work", "title: How radars see far")
        running.wait(lambda s: s["generation"] >= 2)
        assert parses == ["radars.yaml"]
        new = Stored._name("topic", topic, topic.read_bytes())
        deadline = time.monotonic() + 20
        while (new not in entries() or old in entries()) and time.monotonic() < deadline:  # (written, then pruned)
            time.sleep(0.05)
        assert entries() == first - {old} | {new}
    finally:
        stop.set()
        thread.join(10)
