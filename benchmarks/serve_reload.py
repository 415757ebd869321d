"""Edit → reloaded page with `primer serve`, on a copy of a content pack (default: the shipped one).

Starts the server on a free port of 127.0.0.1, opens a topic page in Debian's chromium (when
Playwright and chromium are installed; else it polls the page over HTTP), changes the topic's title
in its YAML file, and times how long until the open page shows the new title. Prints one line per
repeat and the median. Nothing inside the repository is written.

    python benchmarks/serve_reload.py [--content DIR] [--repeat 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import yaml

from primer.serve import serve

ROOT = Path(__file__).resolve().parent.parent


def _first_topic(content: Path) -> tuple[Path, str, str]:
    path = sorted((content / "topics").glob("*.yaml"))[0]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return path, str(data["id"]), str(data["title"])


def main() -> None:
    """Run the benchmark and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--repeat", type=int, default=5)
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
            times = []
            for i in range(args.repeat):
                new = f"{title} ({i})"
                text = topic.read_text(encoding="utf-8")
                if browser is not None:
                    page = browser.new_page()
                    page.goto(url)
                started = time.perf_counter()
                topic.write_text(text.replace(f"title: {title}", f"title: {new}", 1), encoding="utf-8")
                title = new
                if browser is not None:
                    page.wait_for_function("t => document.querySelector('h1').textContent === t", arg=new)
                    page.close()
                else:
                    while new.encode() not in urllib.request.urlopen(url).read():
                        time.sleep(0.01)
                took = time.perf_counter() - started
                times.append(took)
                print(f"edit → reloaded page: {took:.2f} s ({said[-1]})")
            how = "chromium" if browser is not None else "HTTP polling"
            print(f"median over {len(times)} ({how}): {statistics.median(times):.2f} s")
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
