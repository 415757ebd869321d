"""`primer serve`: builds in memory, serves on 127.0.0.1, rebuilds on change, reports errors to the page."""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from primer.serve import PortInUse, serve
from serving import Server, edit, start
from tools import Invoke


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
    assert '<script src="/__primer/reload.js" data-generation="1"></script></body>' in html
    assert server.get("topics/radars/")[0] == 200
    assert server.get("topics/radars")[0] == 200, "a folder without its '/' is redirected to it"
    assert server.get("no/such/page.html")[0] == 404
    status, script = server.get("__primer/reload.js")
    assert status == 200 and "EventSource" in script
    assert server.said[0] == f"serving {server.url} — watching {server.content} (Ctrl-C to stop)"


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
