"""Write a synthetic, valid primer content pack scaled by N: `python benchmarks/make_corpus.py N OUT_DIR`.

At scale N the pack has N topics (each with 4–5 sections of prose, objectives, perspectives and a quiz
of 15 hand-written questions of all nine types), 10·N glossary terms, 2 sources with 10·N summary
points each, 10·N timeline events, 3·N places and 3·N actors. Per topic that is about the size of
the shipped content pack (6 topics, 46 terms, 70 points, 81 events, 91 questions).

Text is drawn from a small fixed word list and need not make sense; every id, reference, date and
question is valid, so `primer check` accepts the pack. The output depends only on N (seeded
random numbers), so the same N always gives byte-identical files.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import yaml

#: Prose words: short and common, so that explainers read near the site's reading grade.
_WORDS = (
    "able about after again air along also area army base became before began being below better big "
    "border both bring build built call came city close coast cost could country court data deal "
    "defense early east end even every face fact far fast field fight first five fleet force four "
    "from full gave given good great ground group half hard have head help high hold home house idea "
    "into just keep kind land large last later lead least leave less line local long made main make "
    "many march market match means might miles more most move much must name near need never new news "
    "next night north note number offer often only open order other over own part party peace place "
    "plan point power press price quick radar range ready real reason record report rest right road "
    "rule said same say sea second seen send set ship short should show side sign since site small "
    "south space speak stand start state still stop story strong such system take talk team test than "
    "their there these they think third those though three time today told town track trade tried "
    "true turn under until upon used very view vote wait want watch water week well west what when "
    "where which while whole wide will with within word work world would write year young"
)
WORDS = _WORDS.split()
#: Words that make glossary term names ("coastal beacon", "orbital relay", …).
_FIRST = (
    "amber bright coastal deep distant eastern forward frozen golden hidden inner iron lunar mobile "
    "northern orbital outer polar quiet rapid silent solar southern steady swift upper western"
)
NAME_FIRST = _FIRST.split()
_SECOND = (
    "anchor array beacon bridge cable canopy compass corridor dome engine envelope gate grid harbor "
    "horizon lance lattice mantle mirror network pillar relay sentinel shield signal spire tower "
    "vault"
)
NAME_SECOND = _SECOND.split()
CATEGORIES = [
    "system",
    "sensor",
    "interceptor",
    "missile",
    "flight-phase",
    "law",
    "agreement",
    "organisation",
    "policy",
    "concept",
]
STATUSES = ["accurate", "accurate", "accurate", "partly-accurate", "wrong", "unverified"]
POINT_KINDS = ["fact", "fact", "claim", "opinion", "reported-statement"]
PLACE_KINDS = ["radar-site", "interceptor-site", "planned-site", "cancelled-site", "base", "capital", "test-site"]
QUESTION_TYPES = ["single", "multiple", "true-false", "short", "numeric", "ordering", "matching", "cloze", "open"]
#: (id, short label, published date, last day of publication) of the two sources.
SOURCES = [
    ("source-a", "Article A", "2014-12-13/2014-12-28", 2014),
    ("source-b", "Article B", "2017-08-15", 2017),
]
FIRST_YEAR, LAST_YEAR = 1990, 2024
#: The corpus shapes: "grown" (the first, kept for comparison) and "realistic".
SHAPES = ("grown", "realistic")


class Writer:
    """Seeded random text and ids for one corpus."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.rng = random.Random(1_000_003 * n + 17)

    # ------------------------------------------------------------------ text

    def words(self, count: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(count))

    def sentence(self, low: int = 7, high: int = 14) -> str:
        text = self.words(self.rng.randint(low, high))
        return text[0].upper() + text[1:] + "."

    def sentences(self, count: int) -> str:
        return " ".join(self.sentence() for _ in range(count))

    def phrases(self, count: int, size: int) -> list[str]:
        """`count` phrases of `size` words, no word shared between them (so none repeat each other)."""
        picked = self.rng.sample(WORDS, count * size)
        return [" ".join(picked[i * size : (i + 1) * size]).capitalize() for i in range(count)]

    def date(self, low: int = FIRST_YEAR, high: int = LAST_YEAR) -> str:
        year = self.rng.randint(low, high)
        precision = self.rng.choice(["year", "month", "day", "day"])
        if precision == "year":
            return str(year)
        month = self.rng.randint(1, 12)
        if precision == "month":
            return f"{year}-{month:02d}"
        return f"{year}-{month:02d}-{self.rng.randint(1, 28):02d}"

    def some(self, items: list[str], low: int, high: int) -> list[str]:
        return sorted(self.rng.sample(items, min(len(items), self.rng.randint(low, high))))


def term_name(i: int) -> str:
    """A unique name for term i: two words, then a number once the pairs run out."""
    pairs = len(NAME_FIRST) * len(NAME_SECOND)
    name = f"{NAME_FIRST[i % len(NAME_FIRST)]} {NAME_SECOND[(i // len(NAME_FIRST)) % len(NAME_SECOND)]}"
    return name if i < pairs else f"{name} {i // pairs + 1}"


def acronym(i: int) -> str:
    """A unique all-caps acronym for term i: 'QX' and base-26 letters of i."""
    letters = ""
    i += 26 * 26  # at least three letters after the prefix
    while i:
        i, rest = divmod(i, 26)
        letters = chr(ord("A") + rest) + letters
    return "QX" + letters


def make(n: int, shape: str = "grown") -> dict[str, Any]:
    """The whole content pack at scale n: relative path → YAML data. `shape` is "grown" (2 sources whose
    point lists grow with n) or "realistic" (n sources of 10–30 points, each topic citing 2–4 of them,
    ~600-word sections)."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}: choose one of {', '.join(SHAPES)}")
    realistic = shape == "realistic"
    w = Writer(n) if not realistic else Writer(n + 7_919)
    rng = w.rng
    files: dict[str, Any] = {}

    countries = [f"country-{i}" for i in range(max(2, n))]
    others = [f"agency-{i}" for i in range(n)] + [f"person-{i}" for i in range(3 * n - len(countries) - n)]
    actor_ids = countries + others
    if realistic:  # (id, short, published, last year) cycling the two dates, 10–30 points each
        sources = [(f"source-{i}", f"Source {i}", *SOURCES[i % 2][2:]) for i in range(max(2, n))]
        point_ids = {sid: [f"s{sid[7:]}-point-{i}" for i in range(rng.randint(10, 30))] for sid, *_ in sources}
        # each topic cites its own source and 1–3 others
        topic_sources = [
            sorted(
                {
                    sources[t % len(sources)][0],
                    *(s[0] for s in rng.sample(sources, min(len(sources), rng.randint(1, 3)))),
                }
            )
            for t in range(n)
        ]
        topic_points = [[p for sid in topic_sources[t] for p in point_ids[sid]] for t in range(n)]
    else:
        sources = list(SOURCES)
        point_ids = {sid: [f"{sid[-1]}-point-{i}" for i in range(10 * n)] for sid, *_ in sources}
        topic_sources = [[sid for sid, *_ in sources] for _ in range(n)]
        topic_points = [
            point_ids["source-a"][t * 10 : t * 10 + 10] + point_ids["source-b"][t * 10 : t * 10 + 10] for t in range(n)
        ]
    all_points = [p for ids in point_ids.values() for p in ids]
    source_of = {p: sid for sid, ids in point_ids.items() for p in ids}
    shorts = {sid: short for sid, short, *_ in sources}
    term_ids = [f"term-{i}" for i in range(10 * n)]
    event_ids = [f"event-{i}" for i in range(10 * n)]
    place_ids = [f"place-{i}" for i in range(3 * n)]

    files["site.yaml"] = {
        "title": "Benchmark Lesson",
        "description": f"A synthetic lesson at scale {n}, written by benchmarks/make_corpus.py.",
        "language": "en",
        "audience": "benchmark readers",
        "reading_grade": 6,
        "licence": "CC0 1.0",
        "authors": [{"name": "make_corpus.py"}],
        "base_url": "https://example.org/bench/",
        "vocabulary": {
            "term_categories": [{"id": c} for c in CATEGORIES],
            "place_kinds": [{"id": k} for k in PLACE_KINDS],
        },
    }

    # ------------------------------------------------------------------ sources
    framing_items = 2 if realistic else max(2, n // 2)
    for sid, short, published, _ in sources:
        paragraph_count = len(point_ids[sid]) + 10 if realistic else 5 * n + 5
        points = []
        for pid in point_ids[sid]:
            status = rng.choice(STATUSES)
            kind = rng.choice(POINT_KINDS)
            point: dict[str, Any] = {
                "id": pid,
                "text": w.sentences(3),
                "paragraphs": sorted(set(rng.sample(range(1, paragraph_count + 1), rng.randint(1, 2)))),
                "kind": kind,
            }
            if kind == "reported-statement":
                point["speaker"] = rng.choice(actor_ids)
            point["status"] = status
            if status != "accurate":
                point["correction"] = w.sentences(3)
                point["basis"] = w.sentences(2)
            if rng.random() < 0.3:
                point["note"] = w.sentence()
            points.append(point)
        files[f"sources/{sid}.yaml"] = {
            "id": sid,
            "title": w.sentence(5, 9).rstrip("."),
            "short": short,
            "outlet": {"identified": False, "note": w.sentence()},
            "published": {"date": published, "how": w.sentence()},
            "kind": "news",
            "paragraphs": {"count": paragraph_count, "method": "Non-empty lines, headline excluded."},
            "framing": {
                "quoted": [w.words(3).capitalize() for _ in range(3)],
                "not_quoted": [w.words(3).capitalize() for _ in range(2)],
                "loaded_wording": [
                    {
                        "phrase": phrase.lower(),
                        "paragraph": rng.randint(1, paragraph_count),
                        "note": w.sentences(2),
                    }
                    for phrase in w.phrases(framing_items, 2)
                ],
                "unattributed": [
                    {"paragraph": rng.randint(1, paragraph_count), "note": w.sentences(2)} for _ in range(framing_items)
                ],
                "conclusion": w.sentence(),
                "notes": [w.sentences(2) for _ in range(2)],
            },
            "points": points,
        }

    # ------------------------------------------------------------------ glossary
    terms = []
    for i, tid in enumerate(term_ids):
        term: dict[str, Any] = {"id": tid}
        if i % 5 == 0:
            term["term"] = acronym(i)
            term["expansion"] = term_name(i).title()
        else:
            term["term"] = term_name(i)
            if i % 3 == 0:
                term["aliases"] = [term_name(i) + "s"]
        term["category"] = CATEGORIES[i % len(CATEGORIES)]
        term["definition"] = w.sentences(4)
        see_also = w.some([t for t in term_ids if t != tid], 0, 2)
        if see_also:
            term["see_also"] = see_also
        terms.append(term)
    files["glossary.yaml"] = {"terms": terms}
    names = {t["id"]: t["term"] for t in terms}

    # ------------------------------------------------------------------ actors
    actors = []
    for aid in actor_ids:
        kind = "country" if aid in countries else "organisation" if aid.startswith("agency") else "person"
        actor: dict[str, Any] = {"id": aid, "name": aid.replace("-", " ").title(), "kind": kind, "role": w.sentence()}
        if kind != "country":
            actor["country"] = rng.choice(countries)
        actor["interests"] = [w.sentence() for _ in range(2)]
        actor["positions"] = [{"text": w.sentence(), "points": w.some(all_points, 1, 2)} for _ in range(2)]
        actors.append(actor)
    files["actors.yaml"] = {"actors": actors}

    # ------------------------------------------------------------------ timeline and places
    place_events: dict[str, list[str]] = {p: [] for p in place_ids}
    events = []
    later: list[str] = []
    for i, eid in enumerate(event_ids):
        date = w.date()
        event: dict[str, Any] = {"id": eid, "date": date, "title": w.sentence(3, 6).rstrip("."), "text": w.sentences(3)}
        event["actors"] = w.some(actor_ids, 1, 3)
        if rng.random() < 0.4:
            place = rng.choice(place_ids)
            event["places"] = [place]
            place_events[place].append(eid)
        year = int(date[:4])
        event["sources"] = [sid for sid, _, _, last in sources[:2] if last >= year and rng.random() < 0.5]
        topic = i % n
        event["refs"] = {
            "points": w.some(topic_points[topic][:10], 0, 2),
            "terms": w.some(term_ids[topic * 10 : topic * 10 + 10], 0, 2),
        }
        # above 512 topics one sentence, so that timeline.yaml stays under primer's 5 MB limit for a file
        event["basis"] = w.sentences(1 if realistic and n > 512 else 2)
        postdates = [sid for sid, _, _, last in sources[:2] if year > last]
        if postdates:
            event["later_than"] = postdates
            later.append(eid)
        events.append(event)
    files["timeline.yaml"] = {"events": events}
    files["places.yaml"] = {
        "places": [
            {
                "id": pid,
                "name": pid.replace("-", " ").title(),
                "kind": rng.choice(PLACE_KINDS),
                "country": rng.choice(countries),
                "lat": round(rng.uniform(20, 50), 1),
                "lon": round(rng.uniform(110, 150), 1),
                "text": w.sentences(2),
                "events": sorted(place_events[pid], key=lambda e: int(e.split("-")[1])),
            }
            for pid in place_ids
        ]
    }

    # ------------------------------------------------------------------ topics and questions
    paragraphs = 9 if realistic else 4  # about 600 or 270 words a section
    for t in range(n):
        tid = f"topic-{t}"
        own_points = topic_points[t]
        own_terms = term_ids[t * 10 : t * 10 + 10]
        own_events = event_ids[t * 10 : t * 10 + 10]
        objectives = [
            {"id": f"{tid}-objective-{j}", "text": f"Students can {w.words(8)}."} for j in range(rng.randint(3, 5))
        ]
        objective_ids = [o["id"] for o in objectives]

        def paragraph(own_terms: list[str] = own_terms, own_points: list[str] = own_points, t: int = t) -> str:
            """Six sentences citing a term, a point and an event, and mentioning a term by name."""
            parts = [w.sentence() for _ in range(6)]
            term = rng.choice(own_terms)
            parts[0] = parts[0][:-1] + f" and the [{names[term]}](term:{term})."
            point = rng.choice(own_points)
            label = shorts[source_of[point]] if realistic else rng.choice(["Article A", "Article B"])
            parts[1] = parts[1][:-1] + f" ([{label}](point:{point}))."
            parts[2] = parts[2][:-1] + f" [in {w.words(2)}](event:{rng.choice(event_ids)})."
            parts[3] = parts[3][:-1] + f" near the {names[rng.choice(own_terms)]}."
            if rng.random() < 0.3:
                first = topic_sources[t][0]
                parts[4] = parts[4][:-1] + f" ([{shorts[first]}](source:{first}))."
            return " ".join(parts)

        next_events = [e for e in own_events if e in later][:2]
        questions = [
            question(w, f"{tid}-q-{j}", j, objective_ids, own_points, own_terms, own_events) for j in range(15)
        ]
        files[f"topics/{tid}.yaml"] = {
            "id": tid,
            "title": w.sentence(3, 6).rstrip("."),
            "order": t + 1,
            "lede": w.sentences(3),
            "objectives": objectives,
            "takeaways": [w.sentence() for _ in range(5)],
            "sections": [
                {
                    "title": w.sentence(2, 5).rstrip("."),
                    "body": "\n\n".join(paragraph() for _ in range(paragraphs)) + "\n",
                }
                for _ in range(rng.randint(4, 5))
            ],
            "perspectives": [
                {"actor": actor, "text": w.sentences(2), "points": w.some(own_points, 1, 2)}
                for actor in w.some(actor_ids, 2, 3)
            ],
            "next": [{"event": e, "text": w.sentence()} for e in next_events],
            "prompts": [w.sentence()[:-1] + "?" for _ in range(3)],
            "sources": topic_sources[t],
            "questions": [q["id"] for q in questions],
        }
        files[f"questions/{tid}.yaml"] = {"questions": questions}
    return files


def question(
    w: Writer, qid: str, j: int, objectives: list[str], points: list[str], terms: list[str], events: list[str]
) -> dict[str, Any]:
    """Hand-written question j of a topic; the types cycle through all nine."""
    rng = w.rng
    kind = QUESTION_TYPES[j % len(QUESTION_TYPES)]
    q: dict[str, Any] = {"id": qid, "type": kind, "stem": w.sentence(8, 14)[:-1] + "?"}
    if kind in ("single", "multiple"):
        count = rng.randint(3, 4)
        texts = w.phrases(count, 3)
        right = {rng.randrange(count)} if kind == "single" else set(rng.sample(range(count), rng.randint(1, count - 1)))
        q["choices"] = [
            {"text": text, "correct": True, "feedback": w.sentence(8, 14)}
            if i in right
            else {"text": text, "feedback": w.sentence(8, 14)}
            for i, text in enumerate(texts)
        ]
    elif kind == "true-false":
        q["stem"] = w.sentence(8, 14)
        q["answer"] = rng.random() < 0.5
        q["feedback_true"] = w.sentences(2)
        q["feedback_false"] = w.sentences(2)
    elif kind == "short":
        q["accept"] = [w.words(2), w.words(2)]
    elif kind == "numeric":
        q["stem"] = w.sentence(8, 14)[:-1] + ": in what year?"
        q["answer"] = rng.randint(FIRST_YEAR, LAST_YEAR)
        q["tolerance"] = rng.choice([0, 1])
    elif kind == "ordering":
        q["items"] = w.phrases(4, 3)
    elif kind == "matching":
        lefts, rights = w.phrases(3, 2), w.phrases(4, 2)
        q["pairs"] = [{"left": left, "right": right} for left, right in zip(lefts, rights, strict=False)]
        q["distractors"] = rights[3:]
    elif kind == "cloze":
        first, second = w.phrases(2, 4)
        choices = [c.lower() for c in w.phrases(3, 1)]
        q["stem"] = f"{first} [[{qid}-a]] {second.lower()} [[{qid}-b]]."
        q["blanks"] = [
            {"id": f"{qid}-a", "choices": choices, "answer": rng.choice(choices)},
            {"id": f"{qid}-b", "accept": [f"{w.words(1)}-{qid}"]},  # distinctive: no other answer holds it
        ]
    else:
        q["model_answer"] = w.sentences(4)
        q["rubric"] = [{"criterion": w.sentence(4, 8), "points": 1} for _ in range(2)]
    q["explanation"] = w.sentences(3)
    if kind == "true-false":  # never opens with a verdict ("Right …") that could contradict the key
        q["explanation"] = "In short: " + q["explanation"]
    q["difficulty"] = rng.randint(1, 3)
    q["objective"] = rng.choice(objectives)
    tests: dict[str, list[str]] = {}
    for key, pool in (("points", points), ("terms", terms), ("events", events)):
        if rng.random() < 0.5:
            tests[key] = w.some(pool, 1, 2)
    if kind == "numeric":  # a keyed year must fall within a tested event's date: test no event
        tests.pop("events", None)
    q["tests"] = tests or {"points": [rng.choice(points)]}
    return q


def write(n: int, out: Path, shape: str = "grown") -> list[Path]:
    """Write the pack for scale n and `shape` into `out` (which must be absent or empty); return the files."""
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} is not empty — give a new or empty folder")
    written = []
    for relative, data in make(n, shape).items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    shape = "grown"
    if argv[:1] == ["--realistic"]:
        shape, argv = "realistic", argv[1:]
    if len(argv) != 2 or not argv[0].isdigit() or int(argv[0]) < 1:
        print(
            "usage: python benchmarks/make_corpus.py [--realistic] N OUT_DIR   (N ≥ 1: the number of topics)",
            file=sys.stderr,
        )
        return 2
    files = write(int(argv[0]), Path(argv[1]), shape)
    size = sum(p.stat().st_size for p in files)
    print(f"wrote {len(files)} files, {size:,} bytes, to {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
