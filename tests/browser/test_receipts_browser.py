"""The teacher page that reads students' quiz receipts, in chromium from disk: the class tables from
synthetic receipts (their codes made by receipt.js in the page), a changed file flagged, files that
are not receipts reported, two builds of one quiz noted, drag and drop, axe, a phone, no JavaScript."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_site_browser import _axe, _open

PAGE = "teacher/receipts.html"


def _question(qid: str, number: int, answer: str, correct: bool | None, **extra: Any) -> dict[str, Any]:
    q: dict[str, Any] = {
        "id": qid,
        "number": number,
        "type": "open" if correct is None else "single",
        "prompt": f"Prompt of {qid}",
        "objective": "obj-a",
        "response": answer,
        "answer_text": answer,
        "right_answer": "" if correct is None else "Radar",
        "correct": correct,
        "score": None if correct is None else float(correct),
        "attempts": 1,
        "revealed": False,
    }
    return q | extra


def _receipt(
    student: str, questions: list[dict[str, Any]], *, version: str = "v1", topic: str = "radars"
) -> dict[str, Any]:
    marked = [q for q in questions if q["correct"] is not None]
    points = sum(1 for q in marked if q["correct"])
    return {
        "format": "primer-receipt",
        "version": 1,
        "site": "Mini site",
        "topic": topic,
        "topic_title": f"Quiz on {topic}",
        "quiz_version": version,
        "mode": "full",
        "student": student,
        "started": "2026-01-05T09:00:00Z",
        "finished": "2026-01-05T09:05:12Z",
        "seconds": 312,
        "score": {"points": points, "possible": len(marked)},
        "questions": questions,
        "objectives": [{"id": "obj-a", "text": "Explain what a radar does", "right": points, "of": len(marked)}],
        "code": "",
    }


def _signed(pg: Any, receipt: dict[str, Any]) -> dict[str, Any]:
    """The receipt with the code receipt.js gives it."""
    return receipt | {"code": pg.evaluate("r => window.primerReceipt.code(r)", receipt)}


def _file(name: str, content: object) -> dict[str, Any]:
    text = content if isinstance(content, str) else json.dumps(content, indent=2)
    return {"name": name, "mimeType": "application/json", "buffer": text.encode("utf-8")}


def _class(pg: Any) -> list[dict[str, Any]]:
    ana = _receipt("Ana", [_question("q1", 1, "Radar", True), _question("q2", 2, "It finds planes.", None)])
    ben = _receipt("Ben", [_question("q1", 1, "Laser", False), _question("q2", 2, "It sees far away.", None)])
    anon = _receipt("", [_question("q1", 1, "Laser", False), _question("q2", 2, "", None)])
    return [_signed(pg, r) for r in (ana, ben, anon)]


def _rows(pg: Any, caption: str) -> list[list[str]]:
    table = pg.locator("table").filter(has=pg.locator("caption", has_text=caption))
    return [
        [" ".join(c.split()) for c in row.locator("td").all_inner_texts()] for row in table.locator("tbody tr").all()
    ]


def _axe_clean(pg: Any, watch: Any) -> None:
    """axe-core finds nothing; what axe itself logs (it reads the stylesheets) is not the page's error."""
    logged = len(watch.errors)
    assert _axe(pg) == []
    del watch.errors[logged:]


def _load(pg: Any, files: list[dict[str, Any]]) -> None:
    pg.set_input_files("#receipt-files", files)
    pg.wait_for_function("() => /read/.test(document.getElementById('receipts-status').textContent)")


def test_the_class_tables_from_three_receipts(mini_site: Path, page: Any) -> None:
    pg, watch = page
    _open(pg, mini_site, PAGE)
    _axe_clean(pg, watch)
    receipts = _class(pg)
    _load(pg, [_file(f"r{i}.json", r) for i, r in enumerate(receipts)] + [_file("again.json", receipts[0])])
    status = pg.locator("#receipts-status").inner_text()
    assert "3 receipts read" in status and "1 duplicate file counted once" in status
    assert pg.locator("#receipts-class h2").inner_text() == "Quiz on radars"
    students = _rows(pg, "Students")
    assert [r[0] for r in students] == ["(no name)", "Ana", "Ben"]
    assert students[1][1:4] == ["1 of 1 (100%)", "5 min 12 s", "whole quiz"]
    assert students[1][4] == receipts[0]["code"]
    questions = _rows(pg, "Each question")
    assert questions[0][1] == "1 of 3 (33%)"
    assert questions[0][2] == "“Laser”: 2 students"
    assert questions[1][1] == "open: see the answers below"
    assert _rows(pg, "Score distribution") == [
        ["0–19%", "2"],
        ["20–39%", "0"],
        ["40–59%", "0"],
        ["60–79%", "0"],
        ["80–100%", "1"],
    ]
    assert _rows(pg, "Each objective") == [["Explain what a radar does", "1 of 3 (33%)", "1 of 3 (33%)"]]
    assert _rows(pg, "Open answers to question 2") == [
        ["(no name)", "(no answer)"],
        ["Ana", "It finds planes."],
        ["Ben", "It sees far away."],
    ]
    assert "changed after" not in pg.locator("main").inner_text()
    _axe_clean(pg, watch)
    pg.emulate_media(color_scheme="dark")
    _axe_clean(pg, watch)
    pg.emulate_media(media="print")
    assert not pg.locator("#receipts-open").is_visible(), "no file picker or button on paper"
    assert pg.locator("#receipts-class table:visible").count() == 5
    pg.emulate_media(media="screen")
    pg.locator("#receipts-clear").click()
    assert pg.locator("#receipts-class table").count() == 0
    assert "cleared" in pg.locator("#receipts-status").inner_text()
    assert watch.errors == []
    root = mini_site.as_uri() + "/"
    assert [url for url in watch.requests if not url.startswith(root)] == [], "nothing leaves the page"


def test_changed_files_and_files_that_are_not_receipts_are_reported(mini_site: Path, page: Any) -> None:
    pg, watch = page
    _open(pg, mini_site, PAGE)
    ana, ben, _ = _class(pg)
    ben["score"]["points"] = 1
    newer = ana | {"version": 2}
    _load(
        pg,
        [
            _file("ana.json", ana),
            _file("ben.json", ben),
            _file("notes.json", "this is not JSON"),
            _file("other.json", {"hello": "world"}),
            _file("newer.json", newer),
        ],
    )
    assert "2 receipts read; 3 files could not be read" in pg.locator("#receipts-status").inner_text()
    problems = pg.locator("#receipt-problems li").all_inner_texts()
    assert problems == [
        "Could not read “newer.json”: it comes from another version of primer (receipt version 2).",
        "Could not read “notes.json”: it is not a JSON file.",
        "Could not read “other.json”: it is not a primer quiz receipt.",
    ]
    students = {r[0]: r[4] for r in _rows(pg, "Students")}
    assert "changed after it was made" in students["Ben"]
    assert "changed" not in students["Ana"]
    _axe_clean(pg, watch)
    assert watch.errors == []


def test_two_builds_of_a_quiz_are_noted_and_questions_matched_by_id(mini_site: Path, page: Any) -> None:
    pg, watch = page
    _open(pg, mini_site, PAGE)
    old = _signed(pg, _receipt("Ana", [_question("q1", 1, "Radar", True)], version="v1"))
    new = _signed(
        pg, _receipt("Ben", [_question("q0", 1, "Dish", True), _question("q1", 2, "Radar", True)], version="v2")
    )
    other = _signed(pg, _receipt("Cy", [_question("z1", 1, "Radar", True)], topic="lasers"))
    _load(pg, [_file("a.json", old), _file("b.json", new), _file("c.json", other)])
    assert pg.locator("#receipts-class h2").inner_text() == "Quiz on lasers", "quizzes in the order of their ids"
    assert pg.locator(".receipts-note").is_hidden()
    pg.select_option("#receipt-quiz", "radars")
    assert "different builds of this quiz" in pg.locator(".receipts-note").inner_text()
    questions = _rows(pg, "Each question")
    shares = {q[0].split()[3]: q[1] for q in questions}
    assert shares == {"q0": "1 of 1 (100%)", "q1": "2 of 2 (100%)"}, "q1 is compared across both builds"
    _axe_clean(pg, watch)


def test_files_dropped_on_the_page_are_read(mini_site: Path, page: Any) -> None:
    pg, watch = page
    _open(pg, mini_site, PAGE)
    receipts = _class(pg)
    pg.evaluate(
        """texts => {
             const dt = new DataTransfer();
             texts.forEach((t, i) => dt.items.add(new File([t], `drop${i}.json`, {type: "application/json"})));
             const zone = document.getElementById("drop-zone");
             zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true}));
             zone.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
           }""",
        [json.dumps(r) for r in receipts],
    )
    pg.wait_for_function("() => /read/.test(document.getElementById('receipts-status').textContent)")
    assert [r[0] for r in _rows(pg, "Students")] == ["(no name)", "Ana", "Ben"]
    assert watch.errors == []


def test_a_phone_sees_the_class_without_sideways_scrolling(mini_site: Path, page: Any) -> None:
    pg, _ = page
    pg.set_viewport_size({"width": 390, "height": 800})
    _open(pg, mini_site, PAGE)
    _load(pg, [_file(f"r{i}.json", r) for i, r in enumerate(_class(pg))])
    assert pg.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_without_javascript_the_page_explains_itself(mini_site: Path, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto((mini_site / PAGE).as_uri())
    text = pg.locator("main").inner_text()
    assert "needs JavaScript" in text and "hand it in" in text
    assert not pg.locator("#receipt-files").is_visible()
    context.close()


def test_the_code_follows_the_documented_algorithm(mini_site: Path, page: Any) -> None:
    pg, _ = page
    _open(pg, mini_site, PAGE)
    receipt = {"b": [1, 2.5, None, True], "a": {"z": "é", "y": ""}, "code": "ignored"}
    canonical = pg.evaluate("r => window.primerReceipt.canonical(r)", receipt)
    assert canonical == json.dumps(
        {k: v for k, v in receipt.items() if k != "code"}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )

    def fnv(data: bytes, h: int) -> int:
        for byte in data:
            h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
        return h

    data = canonical.encode("utf-8")
    n = fnv(data, 0x811C9DC5) << 8 | fnv(data, 0x5BD1E995) >> 24
    digits = "".join("0123456789ABCDEFGHJKMNPQRSTVWXYZ"[(n >> (5 * i)) & 31] for i in reversed(range(8)))
    assert pg.evaluate("r => window.primerReceipt.code(r)", receipt) == f"{digits[:4]}-{digits[4:]}"
    signed = receipt | {"code": f"{digits[:4].lower()} {digits[4:]}"}
    assert pg.evaluate("r => window.primerReceipt.check(r)", signed)
    assert not pg.evaluate("r => window.primerReceipt.check(r)", signed | {"b": []})


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_page_is_on_the_teacher_hub_only(scheme: str, mini_site: Path, page: Any) -> None:
    pg, watch = page
    pg.emulate_media(color_scheme=scheme)
    _open(pg, mini_site, "teacher/index.html")
    assert "receipts.html" not in pg.locator("header nav").inner_html()
    pg.locator("main a[href='receipts.html']").click()
    pg.wait_for_load_state("load")
    assert pg.locator("h1").inner_text() == "Read your class’s quiz results"
    _axe_clean(pg, watch)
    assert watch.errors == []


def _take_the_mini_quiz(pg: Any, site: Path, name: str, choice: int, essay: str, folder: Path) -> Path:
    """Answer the first question and the open one, then download the receipt as a student would."""
    pg.goto((site / "topics" / "radars" / "quiz.html").as_uri())
    pg.evaluate("localStorage.clear()")
    pg.reload()
    pg.locator("button.toggle").click()
    pg.locator(f"#mini-single-{choice}").check()
    pg.locator("#mini-single button.check").click()
    pg.locator("#mini-open-answer").fill(essay)
    pg.locator("#mini-open button.check").click()
    pg.locator("button.to-review").click()
    pg.locator("input.student").fill(name)
    with pg.expect_download() as download:
        pg.locator("button.download").click()
    target = folder / download.value.suggested_filename
    download.value.save_as(target)
    return target


def test_receipts_downloaded_from_the_quiz_are_read_by_the_teacher_page(
    mini_site: Path, page: Any, tmp_path: Path
) -> None:
    pg, watch = page
    files = [
        _take_the_mini_quiz(pg, mini_site, "Dana", 0, "It watches missiles.", tmp_path),
        _take_the_mini_quiz(pg, mini_site, "Eli", 1, "It could see into China.", tmp_path),
    ]
    assert all(f.name.startswith("results-radars-") for f in files)
    _open(pg, mini_site, PAGE)
    pg.set_input_files("#receipt-files", [str(f) for f in files])
    pg.wait_for_function("() => /read/.test(document.getElementById('receipts-status').textContent)")
    assert pg.locator("#receipts-status").inner_text() == "2 receipts read."
    assert pg.locator("#receipts-class h2").inner_text() == "How radars work"
    students = _rows(pg, "Students")
    assert [(r[0], r[1]) for r in students] == [("Dana", "1 of 8 (13%)"), ("Eli", "0 of 8 (0%)")]
    assert "changed" not in " ".join(r[4] for r in students)
    first = _rows(pg, "Each question")[0]
    assert first[0].startswith("1. Where was the first radar placed?")
    assert first[1:] == ["1 of 2 (50%)", "“In the south”: 1 student"]
    assert _rows(pg, "Open answers to question 9") == [
        ["Dana", "It watches missiles."],
        ["Eli", "It could see into China."],
    ]
    _axe_clean(pg, watch)
    assert watch.errors == []
