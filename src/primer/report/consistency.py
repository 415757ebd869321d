"""Check 4, consistency across the sources and our text: an acronym expanded two ways, a document
or event given two dates, a place spelt two ways, a name written two ways (romanisation, hyphens).

Each kind of thing is keyed by a normalised form (the acronym, 'Resolution 2371', a place name's
consonant skeleton, a name's letters) in one dictionary, so the check is linear in the text. A
finding names both places and says whether the content already marks the difference (in a point
whose status is not accurate, a correction, a framing note or a question): a marked difference is
shown as information, since the lesson teaches it."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache, partial
from typing import Any

from primer import facts, memo
from primer.content.library import Library
from primer.quiz.scoring import normalise
from primer.report.base import DIGIT, Context, DateMention, Unit, dates, files, links, sentences

Place = tuple[Unit, int]

_ACRONYM_FIRST = re.compile(r"\b([A-Z][A-Z0-9]{1,7})\s+\(([A-Z][^()]{3,90}?)(?:[,;)]|$)")
_EXPANSION_FIRST = re.compile(
    r"((?:[A-Z][\w'’-]*\s+(?:(?:of|and|for|the|on|in|to)\s+)?){1,8}[A-Z][\w'’-]*)\s+\(([A-Z][A-Z0-9]{1,7})\)"
)
_AS = re.compile(r"\b([A-Z]{2,8})\s+(?:as|stands for|is short for|for)\s+[“\"‘']([A-Z][^”\"’'.,;()]{3,80})")
#: What each of the three needs, found far sooner than the pattern itself (whose `\b` or repeated group the regex
#: engine tries at every character): a bracketed acronym; a bracket after a space, and a capital in it; and a
#: capital after a quotation mark. Most texts have none (with the patterns below, what the check reads off the
#: 256-topic lesson's texts takes 0.49 s instead of 1.17 s).
_NEEDS_EXPANSION_FIRST = re.compile(r"\([A-Z][A-Z0-9]{1,7}\)")
_NEEDS_ACRONYM_FIRST = re.compile(r"\((?<=\s\()[A-Z]")
_NEEDS_AS = re.compile(r"[“\"‘'][A-Z]")


def _initials_fit(acronym: str, expansion: str) -> bool:
    """True when the acronym's letters are, in order, initials of the expansion's words."""
    initials = [w[0].lower() for w in re.split(r"[\s-]+", expansion) if w]
    letters = [c.lower() for c in acronym if c.isalpha()]
    at = 0
    for letter in letters:
        while at < len(initials) and initials[at] != letter:
            at += 1
        if at == len(initials):
            return False
        at += 1
    return len(letters) >= 2


def _marked(ctx: Context, unit: Unit) -> bool:
    """True when a place is in text that discusses a source's error rather than states a fact."""
    if unit.part in ("correction", "framing", "question"):
        return True
    if unit.part == "point":
        return ctx.lib.points[unit.item[1]].status != "accurate"
    return False


def _marking(ctx: Context, unit: Unit) -> str:
    return "the content marks the difference" if _marked(ctx, unit) else "nothing marks the difference"


def _report(
    ctx: Context, code: str, what: str, variants: dict[str, list[Place]], fix: str, *, canonical: str = ""
) -> None:
    """One finding per variant after the first (or other than the canonical), naming both places."""
    if len(variants) < 2:
        return
    order = sorted(variants, key=lambda v: (v != canonical, ctx.place(*variants[v][0]), v))
    first = order[0]
    unit0, pos0 = variants[first][0]
    for other in order[1:]:
        unit, pos = variants[other][0]
        marked = any(_marked(ctx, u) for u, _ in variants[other]) or any(_marked(ctx, u) for u, _ in variants[first])
        more = len(variants[other]) - 1
        also = f" (and {more} other place{'s' * (more != 1)})" if more else ""
        note = "the content marks the difference" if marked else "the content does not mark the difference"
        ctx.add_in(
            code,
            unit,
            pos,
            (unit.raw[pos:].split() or [unit.raw])[0],
            f"{what}: “{other}” here{also}, “{first}” at {ctx.place(unit0, pos0)}; {note}",
            fix,
            level="info" if marked else None,
        )


#: What the consistency checks read off one text: its acronyms with their expansions (`_expanded`), its
#: capitalised words (`_capital_words`) and its names (`_names_of`), each with where it is, and whether it
#: states a measured figure (`_MEASURE`).
_Read = tuple[tuple[tuple[str, str, int], ...], tuple[tuple[int, str], ...], tuple[tuple[int, str], ...], bool]


def _read(ctx: Context, text: str) -> _Read:
    """What the consistency checks read off `text`, kept as one result per text (`primer.facts`: each entry
    costs memory as well as its value), and for this report by the text itself: `_read_files` asks once for the
    text of each unit that no file's reading gave, for the four checks."""
    read: dict[str, _Read] = ctx.cache.setdefault("consistency", {})
    found = read.get(text)
    if found is None:
        found = read[text] = ctx.facts.get(partial(facts.key, "consistency 2", text), partial(_reading, text))
    return found


def _read_files(ctx: Context) -> None:
    """What `_read` gives for each unit's text, kept between commands by each file (`Context.read_by_file`),
    and the units that give each kind of reading (`_with`)."""
    texts = [(doc, [unit.text for unit in units]) for doc, units in files(ctx.units)]
    known: dict[str, _Read] = ctx.cache.setdefault("consistency", {})
    known.update(ctx.read_by_file("consistency of a file", texts, _reading))
    expanded: list[tuple[Unit, Any]] = []
    capital: list[tuple[Unit, Any]] = []
    named: list[tuple[Unit, Any]] = []
    measured: list[tuple[Unit, Any]] = []
    for unit in ctx.units:
        read = known.get(unit.text) or _read(ctx, unit.text)
        if read[0] or unit.part == "definition":  # the glossary's expansions count too (`_acronyms`)
            expanded.append((unit, read[0]))
        if read[1]:
            capital.append((unit, read[1]))
        if read[2]:
            named.append((unit, read[2]))
        if read[3]:
            measured.append((unit, read[3]))
    ctx.cache["consistency units"] = (expanded, capital, named, measured)


def _with(ctx: Context, kind: int) -> list[tuple[Unit, Any]]:
    """The units whose reading (`_read`) has something of `kind` (its index in `_Read`: 0 acronyms, and every
    glossary definition; 1 capitalised words; 2 names; 3 a measured figure), in order, each with it: made once by
    `_read_files` for the four checks, which would each look up every unit's reading (42,540 units at 256
    topics) for the few that have any."""
    found: list[tuple[Unit, Any]] = ctx.cache["consistency units"][kind]
    return found


def _reading(text: str) -> _Read:
    measured = DIGIT.search(text) is not None and _MEASURE.search(text) is not None  # most texts have no digit
    return _expanded(text), _capital_words(text), _names_of(text), measured


def _expanded(text: str) -> tuple[tuple[str, str, int], ...]:
    """Each acronym that `text` expands, with the expansion and where it is."""
    found: list[tuple[str, str, int]] = []
    # both patterns need a bracket, which most texts lack (link targets are blanked)
    for m in _ACRONYM_FIRST.finditer(text) if "(" in text and _NEEDS_ACRONYM_FIRST.search(text) else ():
        found.append((m.group(1), m.group(2), m.start()))
    for m in _EXPANSION_FIRST.finditer(text) if "(" in text and _NEEDS_EXPANSION_FIRST.search(text) else ():
        words = m.group(1).split()
        for n in range(len(words), 1, -1):  # the shortest tail whose initials fit ("Japan's Self-Defense …")
            tail = " ".join(words[-n:])
            if _initials_fit(m.group(2), tail) and tail[0].isupper():
                found.append((m.group(2), tail, m.start() + m.group(1).rfind(words[-n])))
                break
    for m in _AS.finditer(text) if _NEEDS_AS.search(text) else ():
        found.append((m.group(1), m.group(2), m.start()))
    return tuple(found)


def _acronyms(ctx: Context) -> None:
    variants: dict[str, dict[str, list[Place]]] = {}
    glossary: dict[str, str] = {}
    for term in ctx.lib.terms.values():
        if term.expansion and term.term.isupper():
            glossary[term.term] = term.expansion
    for unit, expanded in _with(ctx, 0):
        if unit.part == "definition":  # the glossary's own expansion counts as a place
            term = ctx.lib.terms[unit.item[1]]
            if term.term in glossary:
                key = " ".join(normalise(glossary[term.term]).replace("defence", "defense").split())
                variants.setdefault(term.term, {}).setdefault(key, []).append((unit, 0))
        for acronym, expansion, pos in expanded:
            expansion = expansion.strip()
            if not _initials_fit(acronym, expansion) or len(expansion.split()) < 2:
                continue
            key = " ".join(normalise(expansion).replace("defence", "defense").split())
            variants.setdefault(acronym, {}).setdefault(key, []).append((unit, pos))
    for acronym, found_variants in sorted(variants.items()):
        canonical = " ".join(normalise(glossary.get(acronym, "")).replace("defence", "defense").split())
        _report(
            ctx,
            "P401",
            f"{acronym} is expanded differently",
            found_variants,
            "use the glossary's expansion, or mark a source's other expansion in a point with its status",
            canonical=canonical,
        )


_RESOLUTION = re.compile(r"\b[Rr]esolutions?\s+((?:\d{3,4}(?:\s*\([^)]*\))?[\s,]*(?:and\s+)?)+)")
_NUMBER_DATE = re.compile(r"(\d{3,4})\s*(?:\(([^)]*)\)|,?\s+(?:adopted\s+(?:on\s+)?|of\s+|on\s+)([^.;,)]*\d{4}))")


def _documents(ctx: Context) -> None:
    """UN resolutions given two dates, and sentences whose date disagrees with the event they link."""
    variants: dict[str, dict[str, list[Place]]] = {}
    for event in ctx.lib.events.values():
        for number in re.findall(r"Resolution (\d{3,4})", event.title):
            variants.setdefault(f"Resolution {number}", {}).setdefault(event.date.human(), [])
    for unit in ctx.units:
        if "esolution" not in unit.text:  # what _RESOLUTION needs: most texts name no resolution
            continue
        for m in _RESOLUTION.finditer(unit.text):
            for d in _NUMBER_DATE.finditer(m.group(1)):
                said = [x for x in dates(d.group(2) or d.group(3) or "") if "-" in x.iso]
                if said:
                    variants.setdefault(f"Resolution {d.group(1)}", {}).setdefault(said[0].text, []).append(
                        (unit, m.start(1) + d.start())
                    )
    for key, found in sorted(variants.items()):
        spans: dict[str, list[Place]] = {}
        for text, places in found.items():
            if places:
                spans.setdefault(_day(text), []).extend(places)
        timeline = next((t for t, places in found.items() if not places), "")
        if timeline and _day(timeline) not in spans and spans:
            # the timeline dates it; text that disagrees with it names the event's place
            event = next(e for e in ctx.lib.events.values() if key in e.title)
            for day, places in sorted(spans.items()):
                if not _overlaps(day, event.date.first.isoformat(), event.date.last.isoformat()):
                    unit, pos = places[0]
                    ctx.add_in(
                        "P402",
                        unit,
                        pos,
                        key.split()[-1],
                        f"{key} is dated {day} here, {event.date} in the timeline at "
                        f"{ctx.where(('event', event.id))}; {_marking(ctx, unit)}",
                        "use one date for it everywhere",
                        level="info" if _marked(ctx, unit) else None,
                    )
            continue
        # a coarser date that contains a finer one ('2016-03' and '2016-03-02') does not disagree with it
        spans = {iso: places for iso, places in spans.items() if not any(o != iso and o.startswith(iso) for o in spans)}
        if len(spans) > 1:
            _report(ctx, "P402", f"{key} is given different dates", spans, "use one date for it everywhere")
    _event_links(ctx)


def _day(text: str) -> str:
    found = dates(text)
    return found[0].iso if found else text


def _overlaps(iso: str, first: str, last: str) -> bool:
    return iso[: len(first)] <= last[: len(iso)] and first[: len(iso)] <= iso


def _event_links(ctx: Context) -> None:
    for unit in ctx.units:
        if unit.part != "section":
            continue
        for start, linked, others, said in ctx.facts.get(
            partial(facts.key, "dated links", unit.raw), partial(_dated_links, unit)
        ):
            events = [i for i in linked if i in ctx.lib.events]
            if len(set(events)) != 1 or len(said) != 1 or others:
                continue  # with a point or source cited too, the date may be theirs
            event = ctx.lib.events[events[0]]
            if said[0].last() < event.date.first or event.date.last < said[0].first():
                ctx.add_in(
                    "P402",
                    unit,
                    start + said[0].start,
                    said[0].text,
                    f"this sentence dates “{event.title}” {said[0].text}; the timeline has {event.date} "
                    f"({ctx.where(('event', event.id))})",
                    "make the two dates agree (or link the event the date belongs to)",
                )


def _dated_links(unit: Unit) -> tuple[tuple[int, tuple[str, ...], bool, tuple[DateMention, ...]], ...]:
    """Each sentence of a section that links an event: where it starts, the events it links, whether it
    cites a point or a source too, and the days and months it writes."""
    found = []
    for start, sentence in sentences(unit.text):
        raw = unit.raw[start : start + len(sentence)]
        cited = links(raw)
        linked = tuple(i for scheme, i, _ in cited if scheme == "event")
        if linked:
            said = tuple(d for d in dates(sentence) if "-" in d.iso)
            found.append((start, linked, any(scheme in ("point", "source") for scheme, _, _ in cited), said))
    return tuple(found)


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


#: Voiced consonants as their voiceless pairs, for `skeleton`.
_VOICED = str.maketrans("gbdr", "kptl")


#: What `skeleton` leaves out of a word, and a letter written twice or more in a row (compiled once: each of the
#: 3,700 capitalised words of a lesson of 256 topics looked its patterns up in `re`'s cache at every check).
_NOT_CONSONANT = re.compile(r"[^a-z]|[aeiouyhw]")
_REPEATED = re.compile(r"(.)\1+")


def skeleton(word: str) -> str:
    """A word's consonants, with the pairs romanisations swap made one ('Gyeongsang' ~ 'Kyongsang')."""
    word = _plain(word).lower().translate(_VOICED)
    consonants = _NOT_CONSONANT.sub("", word)
    return _REPEATED.sub(r"\1", consonants)


_GENERIC = frozenset(
    [
        "site",
        "base",
        "camp",
        "prefecture",
        "province",
        "training",
        "area",
        "communications",
        "naval",
        "nuclear",
        "test",
        "launching",
        "station",
        "headquarters",
        "united",
        "nations",
        "north",
        "south",
        "city",
        "county",
        "island",
    ]
)
#: (`\b[A-Z]…` written as `[A-Z](?<!\w[A-Z])…`, which matches the same: a pattern that begins with a set of
#: characters is looked for by the regex engine's scan of the text, twice as fast as trying `\b` everywhere.)
_CAPITAL_WORD = re.compile(r"[A-Z](?<!\w[A-Z])[a-zA-Z\u00C0-\u017F]{4,}\b")
_LOWER_WORD = re.compile(r"\b[a-z]{5,}\b")


def _capital_words(text: str) -> tuple[tuple[int, str], ...]:
    """Each capitalised word of `text` of five letters or more, with where it starts."""
    return tuple((m.start(), m.group(0)) for m in _CAPITAL_WORD.finditer(text))


def _places(ctx: Context) -> None:
    canon: dict[str, str] = {}
    variants: dict[str, dict[str, list[Place]]] = {}
    texts = {u.item[1]: u for u in ctx.units if u.part == "place"}
    for place in ctx.lib.places.values():
        for word in re.findall(r"[A-Za-z\u00C0-\u017F]+", place.name):
            if len(word) >= 5 and word[0].isupper() and word.lower() not in _GENERIC and len(skeleton(word)) >= 3:
                canon.setdefault(skeleton(word), word)
                if place.id in texts:  # places.yaml spells it: the place's own entry is its first place
                    variants.setdefault(canon[skeleton(word)], {}).setdefault(canon[skeleton(word)], []).append(
                        (texts[place.id], 0)
                    )
    # each capitalised word that may spell a place's name, in the order of the text
    skeletons: dict[str, str] = {}
    spelt: list[tuple[Unit, int, str, str]] = []
    for unit, words in _with(ctx, 1):
        for start, word in words:
            shape = skeletons.get(word)
            if shape is None:
                shape = skeletons[word] = skeleton(word)
            name = canon.get(shape)
            if name is not None:
                spelt.append((unit, start, word, name))
    # a word also written in lower case is an ordinary word ("summit"), not a spelling of a name ("Smith")
    common = _lower_words(ctx.units, {word.lower() for _, _, word, _ in spelt})
    close: dict[tuple[str, str], bool] = {}
    for unit, start, word, name in spelt:
        lower = word.lower()
        if lower in common:
            continue
        if lower == name.lower():
            variants.setdefault(name, {}).setdefault(name, []).append((unit, start))
            continue
        near = close.get((lower, name))
        if near is None:
            near = close[lower, name] = difflib.SequenceMatcher(None, lower, name.lower()).ratio() >= 0.7
        if near:
            variants.setdefault(name, {}).setdefault(word, []).append((unit, start))
    for name, found in sorted(variants.items()):
        _report(
            ctx,
            "P404",
            f"the place “{name}” is spelt differently",
            found,
            f"spell it “{name}” as places.yaml does",
            canonical=name,
        )


#: Up to how many words `_lower_words` looks for one by one, not by reading every word of the lesson.
_FEW = 32


def _lower_words(units: list[Unit], words: set[str]) -> set[str]:
    """The `words` (lower case) that some unit writes in lower case (`_LOWER_WORD`). A few are looked for one
    by one in the whole text, which is faster than listing every word (0.17 s at 256 topics) while a word
    costs a few milliseconds; more are found by listing every word. Both find the same."""
    plain = {word for word in words if _LOWER_WORD.fullmatch(word)}
    if not plain:
        return set()
    if len(plain) > _FEW:
        found: set[str] = set()
        for unit in units:
            found.update(_LOWER_WORD.findall(unit.text))
        return plain & found
    # units joined by a line break, which is no word's letter: each word's edges are where they were
    text = "\n".join(unit.text for unit in units)
    return {word for word in plain if word in text and re.search(rf"\b{word}\b", text)}


_NAME = re.compile(r"[A-Z](?<!\w[A-Z])[a-z]+(?:(?: [A-Z][a-z]+)|(?:-[A-Za-z][a-z]+))+\b")  # see _CAPITAL_WORD


def _names(ctx: Context) -> None:
    people = {re.sub(r"[^a-z]", "", a.name.lower()): a.name for a in ctx.lib.actors.values() if a.kind == "person"}
    variants: dict[str, dict[str, list[Place]]] = {}
    roles = {u.item[1]: u for u in ctx.units if u.part == "actor" and u.loc[-1] == "role"}
    for actor in ctx.lib.actors.values():
        if actor.kind == "person" and actor.id in roles:  # actors.yaml spells it: the actor's entry is its first place
            key = re.sub(r"[^a-z]", "", actor.name.lower())
            variants.setdefault(key, {}).setdefault(actor.name, []).append((roles[actor.id], 0))
    for unit, named in _with(ctx, 2):
        for start, name in named:
            letters = re.sub(r"[^a-z]", "", name.lower())
            variants.setdefault(letters, {}).setdefault(name, []).append((unit, start))
    for key, found in sorted(variants.items()):
        if len(found) > 1:
            canonical = people.get(key, "")
            _report(
                ctx,
                "P405",
                "the name is written differently",
                found,
                f"write it “{canonical}” as actors.yaml does" if canonical else "write it one way everywhere",
                canonical=canonical,
            )


def _names_in(text: str) -> Iterator[re.Match[str]]:
    yield from _NAME.finditer(text)


def _names_of(text: str) -> tuple[tuple[int, str], ...]:
    """Each name in `text` (capitalised words in a row), with where it starts."""
    return tuple((m.start(), m.group(0)) for m in _names_in(text))


#: A measured figure: a number and its unit ("9,000 km", "28,500 troops").
#: (As `(?<![\w.,-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)…`, written to begin with a digit, which the regex engine
#: scans the text for, and to look behind it for what may not come before the number.)
_MEASURE = re.compile(
    r"(\d(?<![\w.,-]\d)(?:\d{0,2}(?:,\d{3})+|\d*(?:\.\d+)?))\s?"
    r"(km|kilomet(?:re|er)s|miles|troops|soldiers|barrels|tonnes|tons|missiles|interceptors|launchers)\b"
)
_UNITS = {"kilometres": "km", "kilometers": "km", "soldiers": "troops", "tons": "tonnes"}


def _figure_names(lib: Library) -> dict[str, str]:
    """The names of places and actors that a figure may be of, each with its item ("place:ID")."""
    names = {p.name.split(" (")[0]: f"place:{p.id}" for p in lib.places.values()}
    names.update({a.name.split(" (")[0]: f"actor:{a.id}" for a in lib.actors.values()})
    return names


@memo.check_only
@lru_cache(maxsize=2)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    """What finds any of `names`, the longest first where several start at one place: compiled once for a
    process and the workers it forks (0.03–0.05 s at 256 topics, in every check's worker: see `prepare`)."""
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))) if names else None


def prepare(lib: Library) -> None:
    """Work out here what the check would work out in each worker forked from this process, when this process
    checks again (`primer.memo.here`): then it is worked out once for as long as what it is made of stays."""
    _names_pattern(tuple(_figure_names(lib)))


def _figures(ctx: Context) -> None:
    """The same measure of the same thing with different values: keyed by the unit and the first
    glossary term, place or actor the sentence names before the figure."""
    names = _figure_names(ctx.lib)
    pattern = _names_pattern(tuple(names))
    variants: dict[tuple[str, str], dict[str, list[Place]]] = {}
    # A measure in a sentence is one in the whole text too (sentences begin and end at white space, where the
    # pattern's edges hold alike): a text without one has no sentence to search.
    for unit, _ in _with(ctx, 3):
        for start, sentence in sentences(unit.text):
            for m in _MEASURE.finditer(sentence):
                before = sentence[: m.start()]
                subject = sorted(
                    [(t.start(), f"term:{i}") for t, ids in ctx.matcher.matches(before) for i in ids[:1]]
                    + ([(n.start(), names[n.group(0)]) for n in pattern.finditer(before)] if pattern else [])
                )
                if not subject:
                    continue
                unit_name = _UNITS.get(m.group(2), m.group(2))
                value = m.group(1).replace(",", "")
                variants.setdefault((subject[0][1], unit_name), {}).setdefault(
                    f"{float(value):g} {unit_name}", []
                ).append((unit, start + m.start()))
    for (thing, measure), found in sorted(variants.items()):
        _report(
            ctx,
            "P403",
            f"{thing} is given different figures in {measure}",
            found,
            "give one figure (or a range) everywhere, or mark a source's figure in a point with its status",
        )


def check(ctx: Context) -> None:
    """Acronyms, figures, dates of documents and events, places and names that disagree."""
    _read_files(ctx)
    _acronyms(ctx)
    _figures(ctx)
    _documents(ctx)
    _places(ctx)
    _names(ctx)
