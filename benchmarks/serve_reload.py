"""Edit → reloaded page with `primer serve`, on a copy of a content pack (default: the shipped one).

Starts the server on a free port of 127.0.0.1, opens a topic page in Debian's chromium (when
Playwright and chromium are installed; else it polls the page over HTTP), changes the topic's title
in its YAML file, and times how long until the page shows the new title. Prints one line per repeat
and the medians. Nothing inside the repository is written.

As an author works: each edit is made once the page has loaded and the server is idle (the checks
that only warn, which run after each save, are done), unless `--back-to-back`, which edits as soon
as the page has loaded, while the last save's late checks still run.

Two times per edit, both from the moment the file is written:

- **shown**: until chromium has painted the new page, from chromium's own clock: the later of its
  first contentful paint and the first frame painted with the new title (a script that runs in every
  new document notes it). This is what the author sees.
- **noticed**: until Playwright noticed the new title (its polling and round trips add 30–80 ms on
  this machine). Earlier rounds of the benchmark reported this one.

Each from an idle server, it also times **warned**: until the checks that only warn are done and their
warnings are on the page (the server's state says it is no longer checking; polled every 50 ms).

    python benchmarks/serve_reload.py [--content DIR] [--repeat 5] [--back-to-back]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import yaml

from primer.serve import STATE, serve

ROOT = Path(__file__).resolve().parent.parent

#: Runs at the start of every document: the time of the first frame painted with an h1, and its text.
#: (requestAnimationFrame runs just before a frame is painted, and not before the page's style sheets
#: have loaded; the timeout after it runs once that frame is painted.)
SHOWN = """(() => {
  const look = () => {
    const h = document.querySelector("h1");
    if (!h) { requestAnimationFrame(look); return; }
    setTimeout(() => { window.__shown = [performance.timeOrigin + performance.now(), h.textContent]; });
  };
  requestAnimationFrame(look);
})();"""


#: Whether the page shows the new title `t`, painted.
SEEN = """t => window.__shown && window.__shown[1] === t &&
  performance.getEntriesByName("first-contentful-paint").length > 0"""
#: The later of the two: the frame noted above, and chromium's first contentful paint of the document.
PAINTED = """Math.max(window.__shown[0],
  performance.timeOrigin + performance.getEntriesByName("first-contentful-paint")[0].startTime)"""


def _first_topic(content: Path) -> tuple[Path, str, str]:
    path = sorted((content / "topics").glob("*.yaml"))[0]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return path, str(data["id"]), str(data["title"])


def _idle(base: str) -> None:
    """Wait until the server has no check running (the late checks of the last save are done)."""
    while json.loads(urllib.request.urlopen(base + STATE.lstrip("/")).read())["checking"]:
        time.sleep(0.05)


def main() -> None:
    """Run the benchmark and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--back-to-back", action="store_true", help="edit as soon as the page has loaded")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        shutil.copytree(args.content, content)
        topic, topic_id, title = _first_topic(content)
        stop, ready, said = threading.Event(), [], []
        thread = threading.Thread(
            target=serve, args=(content, 0), kwargs={"stop": stop, "ready": ready.append, "echo": said.append}
        )
        thread.start()
        while not ready:
            time.sleep(0.01)
        url = f"{ready[0]}topics/{topic_id}/"
        print(said[-1], file=sys.stderr)
        browser = _browser()
        try:
            shown, noticed, warned = [], [], []
            for i in range(args.repeat):
                new = f"{title} ({i})"
                text = topic.read_text(encoding="utf-8")
                if browser is not None:
                    page = browser.new_page()
                    page.add_init_script(SHOWN)
                    page.goto(url)
                if not args.back_to_back:
                    _idle(ready[0])
                    time.sleep(0.5)  # the page has connected to the server and is idle
                started, wall = time.perf_counter(), time.time()
                topic.write_text(text.replace(f"title: {title}", f"title: {new}", 1), encoding="utf-8")
                title = new
                if browser is not None:
                    page.wait_for_function(SEEN, arg=new)
                    noticed.append(time.perf_counter() - started)
                    shown.append(page.evaluate(PAINTED) / 1000 - wall)
                    page.close()
                else:
                    while new.encode() not in urllib.request.urlopen(url).read():
                        time.sleep(0.01)
                    noticed.append(time.perf_counter() - started)
                if not args.back_to_back:
                    _idle(ready[0])
                    warned.append(time.perf_counter() - started)
                seen = f"shown {shown[-1]:.2f} s, " if shown else ""
                late = f", warned {warned[-1]:.2f} s" if warned else ""
                print(f"edit → reloaded page: {seen}noticed {noticed[-1]:.2f} s{late} ({said[-1]})")
            how = "chromium" if browser is not None else "HTTP polling"
            when = "back to back" if args.back_to_back else "each from an idle server"
            seen = f"shown {statistics.median(shown):.2f} s, " if shown else ""
            late = f"; warned {statistics.median(warned):.2f} s" if warned else ""
            print(f"median over {len(noticed)} ({how}, {when}): {seen}noticed {statistics.median(noticed):.2f} s{late}")
        finally:
            if browser is not None:
                browser.close()
            stop.set()
            thread.join()


def _browser():  # type: ignore[no-untyped-def]
    """Debian's chromium through Playwright, or None."""
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if chromium is None:
        return None
    playwright = sync_playwright().start()
    return playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])


if __name__ == "__main__":
    main()
