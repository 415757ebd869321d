"""The content model: one typed class per kind of YAML document, each field documented once.

These classes are the single source of the JSON Schema (`primer schema`) and of the authoring
guide's field list. Unknown keys are errors everywhere (`extra="forbid"`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from primer.content.dates import FuzzyDate

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, Field(pattern=SLUG, max_length=80, description="an id: lower-case words joined by '-'")]
Text = Annotated[str, Field(min_length=1, description="plain text in our own words")]
Markdown = Annotated[str, Field(min_length=1, description="Markdown; raw HTML is not allowed")]
Paragraph = Annotated[int, Field(ge=1, description="a paragraph number in the source, counted from 1")]
Date = Annotated[FuzzyDate, Field(description="YYYY, YYYY-MM, YYYY-MM-DD, or a range START/END")]

#: A report finding's code, such as 'P204' (`primer report` lists them).
FINDING_CODE = r"^P[0-9]{3,4}$"
_IGNORE_MAP = {
    "type": "object",
    "propertyNames": {"pattern": FINDING_CODE},
    "additionalProperties": {"type": "string", "minLength": 1},
}


def _merge_ignores(value: Any) -> Any:
    """`ignore: [P204: "reason"]` (a list of one-key mappings) read as the mapping `{P204: "reason"}`."""
    if not isinstance(value, list):
        return value
    merged: dict[Any, Any] = {}
    for entry in value:
        if not isinstance(entry, dict):
            raise ValueError("each ignore entry is 'CODE: reason', e.g. P204: \"the figure is the source's own\"")
        for code, reason in entry.items():
            if code in merged:
                raise ValueError(f"the code {code} is ignored twice — keep one reason")
            merged[code] = reason
    return merged


#: Report findings silenced on one item: code → why (the report counts them and shows the reason).
#: Authoring data for the report only: left out of every dump, so exports and the bank never carry it.
Ignore = Annotated[
    dict[Annotated[str, Field(pattern=FINDING_CODE)], Annotated[str, Field(min_length=1)]],
    BeforeValidator(_merge_ignores),
    WithJsonSchema(
        {
            "anyOf": [_IGNORE_MAP, {"type": "array", "items": {**_IGNORE_MAP, "maxProperties": 1}}],
            "description": "report findings to silence on this item, each with its reason: "
            "'ignore: {P204: \"why\"}' or 'ignore: [P204: \"why\"]'",
        }
    ),
]
IGNORE_DESCRIPTION = "report findings silenced on this item: finding code → the reason (see `primer report`)"


#: Each set of field names that an item was given, once (see `Frozen.model_post_init`).
_GIVEN: dict[frozenset[str], set[str]] = {}


class Frozen(BaseModel):
    """Base of the models that are never changed once made (content, the report): items given the same
    fields share one record of which fields they were given."""

    def model_post_init(self, context: Any, /) -> None:
        """Share this item's set of given fields with every item given the same ones: pydantic keeps a set
        on each item (29 MiB at 256 topics). The items are frozen, so nothing changes the set (a copy of an
        item gets a set of its own)."""
        given = self.__pydantic_fields_set__
        key = frozenset(given)
        shared = _GIVEN.get(key)
        if shared is None:
            shared = _GIVEN.setdefault(key, set(given))
        object.__setattr__(self, "__pydantic_fields_set__", shared)


class Model(Frozen):
    """Base of every content model: unknown keys are errors, values are immutable."""

    # No NaN or infinity anywhere (YAML's .nan, .inf, 1e400): they cannot be scored or written as JSON.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False)


# --------------------------------------------------------------------------- site


class Author(Model):
    """Someone who wrote or checked the content."""

    name: Text = Field(description="the person's or team's name")
    role: str = Field("author", description="what they did, e.g. 'author', 'fact-checker'")


class Vocab(Model):
    """One word of the lesson's own vocabulary: a glossary category or a kind of place."""

    id: Slug = Field(description="the id content files use, e.g. 'maritime-feature'")
    label: Text | None = Field(
        None, description="how it reads inside a sentence, e.g. 'maritime feature' (default: the id with spaces)"
    )
    plural: Text | None = Field(None, description="its plural, e.g. 'maritime features' (default: the label + 's')")

    def name(self) -> str:
        """The label, or the id with spaces."""
        return self.label or self.id.replace("-", " ")

    def names(self) -> str:
        """The plural, or the label with an 's'."""
        return self.plural or self.name() + "s"


#: How a kind of place is marked on the places page.
Marker = Literal["circle", "square", "triangle", "diamond", "star", "cross", "hexagon"]


class PlaceKind(Vocab):
    """A kind of place, with the marker that shows it."""

    marker: Marker = Field("circle", description="circle, square, triangle, diamond, star, cross or hexagon")


#: Glossary categories a lesson has unless its site.yaml declares its own.
DEFAULT_CATEGORIES = ("concept", "organisation", "agreement", "law", "system", "place", "event", "other")
#: Kinds of place a lesson has unless its site.yaml declares its own.
DEFAULT_PLACE_KINDS = ("capital", "base", "site", "feature", "venue", "other")
_MARKERS: tuple[Marker, ...] = ("star", "square", "circle", "triangle", "diamond", "cross")


def _default_categories() -> list[Vocab]:
    return [Vocab(id=c) for c in DEFAULT_CATEGORIES]


def _default_place_kinds() -> list[PlaceKind]:
    return [PlaceKind(id=k, marker=m) for k, m in zip(DEFAULT_PLACE_KINDS, _MARKERS, strict=True)]


class Vocabulary(Model):
    """The lesson's own words for what its glossary terms and places are."""

    term_categories: list[Vocab] = Field(
        default_factory=_default_categories,
        min_length=1,
        description="the categories glossary terms may have (replaces the defaults: "
        + ", ".join(DEFAULT_CATEGORIES)
        + "); generated questions use their labels ('Which maritime feature does this describe?')",
    )
    place_kinds: list[PlaceKind] = Field(
        default_factory=_default_place_kinds,
        min_length=1,
        description="the kinds places may have (replaces the defaults: " + ", ".join(DEFAULT_PLACE_KINDS) + ")",
    )

    def category(self, category_id: str) -> Vocab:
        """The declared glossary category (a plain one when undeclared)."""
        return next((c for c in self.term_categories if c.id == category_id), Vocab(id=category_id))

    def place_kind(self, kind_id: str) -> PlaceKind:
        """The declared kind of place (a plain one when undeclared)."""
        return next((k for k in self.place_kinds if k.id == kind_id), PlaceKind(id=kind_id))


class PageText(Model):
    """Lesson-specific text on pages whose layout primer provides."""

    places_intro: Text = Field(
        "The places in this lesson, what kind of place each is, and who holds or claims it. "
        "Coordinates are approximate unless marked exact.",
        description="the paragraph that opens the places page",
    )
    method: Text = Field(
        "We summarised each source point by point in our own words, noting the paragraph each point comes "
        "from. We then checked every name, number, date, place and acronym against public records such as "
        "official documents, laws, court rulings and announcements. Explainers, quiz answers and actor "
        "positions cite the points, glossary entries and dated events they rest on.",
        description="how the content was written and checked, for the About page",
    )


#: Reading scales: name → (how the About page says it, offset to a US grade, lowest, highest).
READING_SCALES: dict[str, tuple[str, int, int, int]] = {
    "us-grade": ("US reading grade", 0, 1, 16),
    "age": ("reading age", -5, 6, 21),
    "uk-year": ("UK school year", -1, 2, 17),
}


class Settings(Model):
    """Numbers and forms a lesson may change; the defaults suit a secondary-school class."""

    objectives_min: int = Field(3, ge=1, le=20, description="fewest learning objectives a topic may have")
    objectives_max: int = Field(5, ge=1, le=20, description="most learning objectives a topic may have")
    lesson_minutes: int = Field(50, ge=10, le=240, description="length of the lesson plans primer writes")
    reading_scale: Literal["us-grade", "age", "uk-year"] = Field(
        "us-grade", description="the scale reading_grade is given in: us-grade, age, or uk-year"
    )
    quiz_length: int = Field(
        10, ge=1, le=200, description="how many questions a quiz page's short quiz holds (all are a click away)"
    )
    paper: Literal["both", "a4", "letter"] = Field(
        "both",
        description="the paper the site's PDF handouts are laid out on: a4, letter, or both (each PDF twice, "
        "which doubles the time a build spends on them)",
    )

    @model_validator(mode="after")
    def _range(self) -> Settings:
        if self.objectives_min > self.objectives_max:
            raise ValueError(
                f"objectives_min ({self.objectives_min}) is more than objectives_max ({self.objectives_max}) "
                "— make the first no larger than the second"
            )
        return self

    def papers(self) -> tuple[str, ...]:
        """The papers the site's PDF handouts are laid out on: ('a4', 'letter'), or one of them."""
        return tuple(PAPER_NAMES) if self.paper == "both" else (self.paper,)

    def paper_names(self) -> list[tuple[str, str]]:
        """(paper, its name as the pages show it) for each of `papers`: [('a4', 'A4'), ('letter', 'Letter')]."""
        return [(paper, PAPER_NAMES[paper]) for paper in self.papers()]


#: The papers a PDF handout can be laid out on, and their names on the pages.
PAPER_NAMES = {"a4": "A4", "letter": "Letter"}


class Site(Model):
    """`content/site.yaml`: what the whole lesson is."""

    title: Text = Field(description="the site's title")
    description: Text = Field(description="one or two sentences on what the site covers")
    language: str = Field("en", pattern=r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$", description="BCP 47 language tag")
    audience: Text = Field(description="who the lesson is for, e.g. 'students aged 14–18'")
    reading_grade: int = Field(
        ge=1, le=21, description="target reading level of explainer text, on settings.reading_scale (a US grade)"
    )
    licence: Text = Field(description="the licence of the content, e.g. 'CC BY 4.0'")
    authors: list[Author] = Field(min_length=1, description="who wrote and checked the content")
    base_url: str | None = Field(
        None, pattern=r"^https?://\S+/$", description="public address ending in '/'; enables sitemap.xml"
    )
    stale_after_years: int = Field(
        3,
        ge=1,
        le=50,
        description="`primer report` flags an 'as of' date in the text older than this many years",
    )
    vocabulary: Vocabulary = Field(
        default_factory=Vocabulary, description="the lesson's glossary categories and kinds of place"
    )
    pages: PageText = Field(default_factory=PageText, description="lesson-specific text on the places and About pages")
    settings: Settings = Field(default_factory=Settings, description="objective counts, lesson length, reading scale")

    @model_validator(mode="after")
    def _grade_on_scale(self) -> Site:
        name, _, low, high = READING_SCALES[self.settings.reading_scale]
        if not low <= self.reading_grade <= high:
            raise ValueError(
                f"reading_grade {self.reading_grade} is off the {name} scale ({low}–{high}) — "
                "give a level on that scale, or change settings.reading_scale"
            )
        return self

    def us_grade(self) -> int:
        """reading_grade as a US reading grade, whatever scale it is given in."""
        return self.reading_grade + READING_SCALES[self.settings.reading_scale][1]

    def reading_level(self) -> str:
        """The reading level in words, e.g. 'US reading grade 10' or 'reading age 15'."""
        return f"{READING_SCALES[self.settings.reading_scale][0]} {self.reading_grade}"


# --------------------------------------------------------------------------- sources

Status = Literal["accurate", "partly-accurate", "wrong", "unverified"]
PointKind = Literal["fact", "claim", "opinion", "reported-statement"]


class Outlet(Model):
    """Who published an article, or why that cannot be said."""

    name: str | None = Field(None, description="the outlet's name, only if the text supports it")
    identified: bool = Field(description="true when the text itself establishes the outlet")
    note: Text = Field(description="how the outlet was established, or why it stays unidentified")

    @model_validator(mode="after")
    def _name_when_identified(self) -> Outlet:
        if self.identified and not self.name:
            raise ValueError("an identified outlet needs a 'name' — add it, or set identified: false")
        return self


class Published(Model):
    """When an article appeared, with its precision and how that was established."""

    date: Date = Field(description="the date or range, as precise as the evidence allows")
    how: Text = Field(description="the clues in the text that fix the date")


class Paragraphs(Model):
    """How a source's paragraphs are counted, so that locators can be checked."""

    count: int = Field(ge=1, description="how many paragraphs the source has under this method")
    method: Text = Field(description="how paragraphs are counted (what is skipped, what is joined)")


class Loaded(Model):
    """A loaded word or phrase in a source, quoted briefly, with why it is loaded."""

    phrase: Text = Field(max_length=80, description="the short phrase as the source has it")
    paragraph: Paragraph
    note: Text = Field(description="why the wording is loaded, and a neutral alternative")


class Unattributed(Model):
    """Something a source asserts without saying who says so or on what evidence."""

    paragraph: Paragraph
    note: Text = Field(description="what is asserted, in our words, and what is missing")


class Framing(Model):
    """How a source frames its story."""

    quoted: list[Text] = Field(default_factory=list, description="who is quoted or cited")
    not_quoted: list[Text] = Field(default_factory=list, description="who one would expect to hear and does not")
    loaded_wording: list[Loaded] = Field(default_factory=list, description="loaded words and phrases")
    unattributed: list[Unattributed] = Field(default_factory=list, description="assertions without attribution")
    conclusion: Text = Field(description="what the piece wants the reader to conclude")
    notes: list[Text] = Field(default_factory=list, description="other observations on framing")


class Point(Model):
    """One summary point of a source, in our own words, with its status."""

    id: Slug = Field(description="unique among all points of all sources")
    text: Text = Field(description="what the source says, in our own words")
    paragraphs: list[Paragraph] = Field(min_length=1, description="the paragraph(s) it comes from")
    kind: PointKind = Field(description="fact, claim, opinion, or reported-statement")
    speaker: Slug | None = Field(None, description="actor id of who said it, for a reported statement")
    status: Status = Field(description="accurate, partly-accurate, wrong, or unverified")
    correction: str | None = Field(None, description="what is right instead, or what cannot be verified")
    basis: str | None = Field(None, description="what the correction rests on (records, documents, reports)")
    note: str | None = Field(None, description="anything else a teacher should know")
    ignore: Ignore = Field(default_factory=dict, description=IGNORE_DESCRIPTION, exclude=True)

    @model_validator(mode="after")
    def _correction_when_not_accurate(self) -> Point:
        if self.status != "accurate" and not self.correction:
            raise ValueError(
                f"a point marked '{self.status}' needs a 'correction' — say what is right or what could not be verified"
            )
        if self.correction and not self.basis:
            raise ValueError("a correction needs a 'basis' — say what the correction rests on")
        if self.kind == "reported-statement" and not self.speaker:
            raise ValueError("a reported statement needs a 'speaker' — add the actor id of who said it")
        return self


class Source(Model):
    """`content/sources/*.yaml`: one article and its summary points."""

    id: Slug = Field(description="the source's id")
    title: Text = Field(description="the article's headline, or a description if it has none")
    short: Text = Field(
        max_length=40,
        description="how the source is named inside a sentence, e.g. 'Article A' or 'the ministry's statement'",
    )
    label: Text = Field(
        "",  # filled from `short` when not given (see _label)
        max_length=40,
        description="how it is named at the start of a sentence and on buttons (default: short with a capital)",
    )
    outlet: Outlet
    published: Published
    kind: Literal["news", "analysis", "opinion"] = Field(description="news, analysis, or opinion")
    language: str = Field("en", description="the article's language tag")
    paragraphs: Paragraphs
    framing: Framing
    points: list[Point] = Field(min_length=1, description="the summary points")
    ignore: Ignore = Field(default_factory=dict, description=IGNORE_DESCRIPTION, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _label(cls, data: Any) -> Any:
        if isinstance(data, dict) and "label" not in data and isinstance(data.get("short"), str):
            short = data["short"].strip()
            return {**data, "label": short[:1].upper() + short[1:]}
        return data


# --------------------------------------------------------------------------- glossary


class Term(Model):
    """A glossary entry."""

    id: Slug
    term: Text = Field(description="the term as readers meet it, e.g. 'THAAD'")
    expansion: str | None = Field(None, description="what an acronym stands for")
    aliases: list[Text] = Field(default_factory=list, description="other names that should link here")
    not_in: list[Text] = Field(
        default_factory=list,
        description="longer names that contain one of the term's names but are something else, never linked "
        "here (e.g. 'National Security Council' for the UN Security Council)",
    )
    category: Slug = Field(
        description="what kind of thing the term names: one of site.yaml's vocabulary.term_categories"
    )
    definition: Text = Field(description="a definition a 15-year-old understands")
    see_also: list[Slug] = Field(default_factory=list, description="ids of related terms")
    basis: Text | None = Field(
        None, description="the records the dates and figures in the definition rest on (a treaty, a law, a fact sheet)"
    )
    ignore: Ignore = Field(default_factory=dict, description=IGNORE_DESCRIPTION, exclude=True)


class Glossary(Model):
    """`content/glossary.yaml`."""

    terms: list[Term] = Field(min_length=1, description="the glossary entries")


# --------------------------------------------------------------------------- actors


class Position(Model):
    """A stance of an actor, resting on summary points."""

    text: Text = Field(description="the position, attributed and in our own words")
    points: list[Slug] = Field(min_length=1, description="ids of the points it rests on")


class Actor(Model):
    """A country, organisation or person."""

    id: Slug
    name: Text
    kind: Literal["country", "organisation", "person"] = Field(description="country, organisation, or person")
    role: Text = Field(description="who they are in this story")
    country: Slug | None = Field(None, description="for a person or organisation: the actor id of its country")
    interests: list[Text] = Field(default_factory=list, description="what they want")
    positions: list[Position] = Field(default_factory=list, description="stances, each citing points")
    basis: Text | None = Field(
        None, description="the records the dates and figures in the role and interests rest on (official records)"
    )
    ignore: Ignore = Field(default_factory=dict, description=IGNORE_DESCRIPTION, exclude=True)


class Actors(Model):
    """`content/actors.yaml`."""

    actors: list[Actor] = Field(min_length=1, description="countries, organisations and people")


# --------------------------------------------------------------------------- timeline


class Refs(Model):
    """References to other content by id."""

    points: list[Slug] = Field(default_factory=list, description="summary point ids")
    terms: list[Slug] = Field(default_factory=list, description="glossary term ids")
    events: list[Slug] = Field(default_factory=list, description="timeline event ids")

    def empty(self) -> bool:
        """True when nothing is referenced."""
        return not (self.points or self.terms or self.events)


class Event(Model):
    """A dated event."""

    id: Slug
    date: Date
    title: Text = Field(max_length=140, description="a headline for the event")
    text: Text = Field(description="what happened, in our own words")
    actors: list[Slug] = Field(default_factory=list, description="actor ids involved")
    places: list[Slug] = Field(default_factory=list, description="place ids where it happened")
    sources: list[Slug] = Field(default_factory=list, description="source ids that mention the event")
    refs: Refs = Field(default_factory=Refs, description="points and terms it relates to")
    basis: Text = Field(description="what the date and facts rest on")
    later_than: list[Slug] = Field(
        default_factory=list, description="ids of sources published before this event ('what happened next')"
    )
    ignore: Ignore = Field(default_factory=dict, description=IGNORE_DESCRIPTION, exclude=True)


class Timeline(Model):
    """`content/timeline.yaml`."""

    events: list[Event] = Field(min_length=1, description="dated events, in any order")


# --------------------------------------------------------------------------- places


class Range(Model):
    """A distance that matters around a place (a radar's detection range, an interceptor's reach), drawn
    on the map as a ring."""

    km: float = Field(gt=0, le=20000, description="the distance in kilometres")
    what: Text = Field(
        description="what reaches this far, and whose figure it is when claimed, e.g. 'detection range of the "
        "AN/TPY-2 radar in forward-based mode, as commonly estimated'"
    )
    label: Text | None = Field(
        None, max_length=40, description="a short name for the map's list of rings (default: 'what')"
    )
    status: Literal["official", "estimate", "claimed"] = Field(
        description="official (published by who operates it), estimate (by analysts), or claimed (by one side: "
        "say whose in 'what' or 'basis')"
    )
    basis: Text = Field(description="the record the figure rests on (report, fact sheet, news report)")


class Place(Model):
    """A site on the map."""

    id: Slug
    name: Text
    kind: Slug = Field(description="what kind of place it is: one of site.yaml's vocabulary.place_kinds")
    country: Slug | None = Field(
        None, description="actor id of the country it lies in; leave it out for a disputed place or one at sea"
    )
    claimed_by: list[Slug] = Field(default_factory=list, description="actor ids of those who claim the place")
    held_by: Slug | None = Field(None, description="actor id of who controls the place now, when that is known")
    disputed: bool = Field(False, description="true when sovereignty over the place is disputed")
    dispute_note: Text | None = Field(None, description="for a disputed place: what is disputed, in neutral words")
    lat: float = Field(ge=-90, le=90, description="latitude in decimal degrees")
    lon: float = Field(ge=-180, le=180, description="longitude in decimal degrees")
    approximate: bool = Field(True, description="true when the coordinates are approximate (to about 0.1°)")
    text: Text = Field(description="why the place matters, in our own words")
    events: list[Slug] = Field(default_factory=list, description="timeline event ids at this place")
    ranges: list[Range] = Field(
        default_factory=list, description="distances that matter around the place, drawn as rings on the map"
    )
    basis: Text | None = Field(None, description="the records the dates and figures in the text rest on")
    ignore: Ignore = Field(default_factory=dict, description=IGNORE_DESCRIPTION, exclude=True)

    @model_validator(mode="after")
    def _dispute(self) -> Place:
        if self.disputed and not self.dispute_note:
            raise ValueError("a disputed place needs a 'dispute_note' — say what is disputed and by whom, neutrally")
        if self.dispute_note and not self.disputed:
            raise ValueError("a 'dispute_note' is only for a disputed place — add disputed: true, or remove the note")
        if self.disputed and self.country:
            raise ValueError(
                "a disputed place does not lie in one country — replace 'country' with claimed_by: [...] "
                "(and held_by: for who controls it)"
            )
        return self


class Places(Model):
    """`content/places.yaml`."""

    places: list[Place] = Field(min_length=1, description="the sites on the map")


# --------------------------------------------------------------------------- topics


class Objective(Model):
    """A learning objective; questions name the one they serve."""

    id: Slug = Field(description="unique among all objectives of all topics")
    text: Text = Field(description="'Students can …'")
    ignore: Ignore = Field(default_factory=dict, description=IGNORE_DESCRIPTION, exclude=True)


class Step(Model):
    """One step of a sequence figure."""

    id: Slug = Field(description="the step's id, which lanes name in start and end")
    label: Text = Field(max_length=24, description="a short name for the step, e.g. 'Boost'")
    text: Text = Field(max_length=160, description="what happens in this step, in a short sentence")


class Lane(Model):
    """A band across consecutive steps of a sequence figure, e.g. an interceptor and the phases it works in."""

    label: Text = Field(max_length=24, description="a short name, e.g. 'THAAD'")
    start: Slug = Field(description="id of the first step the band covers")
    end: Slug | None = Field(None, description="id of the last step it covers (default: the first)")
    note: str | None = Field(None, description="a few words shown in the data table, e.g. 'high altitude'")


class Series(Model):
    """One row of numbers of a chart, one value per x label."""

    label: Text = Field(max_length=40, description="what the numbers are, e.g. 'Refined petroleum products'")
    values: list[float | None] = Field(description="one number per x label; null where there is no figure")
    notes: list[str | None] = Field(
        default_factory=list, description="optional: one note per value (null for none), shown in the data table"
    )


#: The kinds of figure a section may hold.
FIGURE_KINDS = ("sequence", "bar", "line")


class Figure(Model):
    """A diagram or chart drawn from data at the end of a section (see 'Figures' in the authoring guide)."""

    id: Slug = Field(description="unique within the topic")
    kind: Literal["sequence", "bar", "line"] = Field(
        description="sequence (ordered steps, optional lanes), bar or line (a chart of numbers)"
    )
    title: Text = Field(max_length=120, description="what the figure shows")
    caption: Text = Field(description="one sentence a student reads under the figure")
    basis: str | None = Field(None, description="what the figure rests on (records, documents); required for charts")
    steps: list[Step] = Field(default_factory=list, description="sequence: the steps, in order")
    lanes: list[Lane] = Field(default_factory=list, description="sequence: bands across steps")
    lanes_title: str | None = Field(None, description="sequence: what the lanes are, e.g. 'Interceptors'")
    unit: str | None = Field(None, description="chart: the unit of the values, e.g. 'barrels a year'")
    x: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default_factory=list, description="chart: the labels along the axis, e.g. resolutions or years"
    )
    series: list[Series] = Field(default_factory=list, description="chart: the numbers, one series per row")


class Section(Model):
    """A titled part of an explainer."""

    title: Text
    body: Markdown = Field(
        description="Markdown; cite with [text](point:ID), [text](event:ID), [text](term:ID) or [text](source:ID)"
    )
    figures: list[Figure] = Field(
        default_factory=list, description="diagrams and charts shown after the section's text"
    )


class Perspective(Model):
    """How one actor sees the topic."""

    actor: Slug = Field(description="the actor id")
    text: Text = Field(description="their view, attributed, in our own words")
    points: list[Slug] = Field(default_factory=list, description="point ids it rests on")


class NextItem(Model):
    """A 'what happened next' entry: a later timeline event and why it matters here."""

    event: Slug = Field(description="a timeline event id")
    text: Text = Field(description="why it matters for this topic")


GENERATED_ID = r"^gen-[a-z0-9]+(?:-[a-z0-9]+)*$"
#: Generated question ids: 'gen-', the kind of question, and a hash of what it was generated from.
GeneratedId = Annotated[
    str, Field(json_schema_extra={"pattern": GENERATED_ID}, description="a generated question's id ('gen-…')")
]


class Generate(Model):
    """Which generated questions join a topic's quiz. Every generator is on unless turned off."""

    glossary: bool = Field(
        True, description="questions on glossary terms the sections cite or mention: term ↔ definition, acronyms"
    )
    timeline: bool = Field(
        True, description="questions on the events the topic cites or lists under next: order them, which came first"
    )
    points: bool = Field(
        True, description="'is this claim accurate?' on wrong or partly accurate points the topic cites"
    )
    framing: bool = Field(
        True, description="'which article presents it this way?' from the framing notes of the topic's sources"
    )
    max: int = Field(8, ge=0, le=30, description="at most this many generated questions join the quiz (0: none)")
    timeline_span: int = Field(
        1,
        ge=0,
        le=100,
        description="timeline questions use events at most this many years apart "
        "(0: the same year; 1, the default: the same or adjacent years)",
    )
    objective: Slug | None = Field(
        None,
        description="id of one of this topic's objectives for every generated question; "
        "by default each kind of question takes the objective whose wording fits it best",
    )
    exclude: list[GeneratedId] = Field(
        default_factory=list, description="ids of generated questions to leave out of this quiz ('gen-…')"
    )

    @field_validator("exclude")
    @classmethod
    def _generated(cls, value: list[str]) -> list[str]:
        for qid in value:
            if not re.match(GENERATED_ID, qid):
                raise ValueError(
                    f"'{qid}' is not a generated question's id — generated ids start with 'gen-' "
                    "(the quiz page and `primer export --format json` show them); to drop a hand-written "
                    "question, remove it from questions:"
                )
        return value


class PlanStep(Model):
    """One step of a topic's own lesson plan."""

    minutes: int = Field(ge=1, le=240, description="how many minutes the step takes")
    activity: Text = Field(description="what the class does in this step, in a sentence or two")


class Topic(Model):
    """`content/topics/*.yaml`: one explainer."""

    id: Slug
    title: Text
    order: int = Field(ge=0, description="position among topics, smallest first")
    lede: Text = Field(description="one or two sentences that open the explainer")
    objectives: list[Objective] = Field(
        min_length=1, description="the learning objectives (three to five unless site.yaml's settings say otherwise)"
    )
    takeaways: list[Text] = Field(min_length=1, description="key takeaways, shown first")
    sections: list[Section] = Field(min_length=1, description="the explainer's body, in order")
    perspectives: list[Perspective] = Field(default_factory=list, description="each actor's view")
    next: list[NextItem] = Field(default_factory=list, description="what happened next")
    prompts: list[Text] = Field(default_factory=list, description="discussion prompts")
    sources: list[Slug] = Field(default_factory=list, description="ids of the sources it rests on")
    questions: list[Slug] = Field(default_factory=list, description="ids of the questions of its quiz")
    generate: Generate = Field(
        default_factory=Generate, description="which generated questions join the quiz after the hand-written ones"
    )
    quiz_length: int | None = Field(
        None, ge=1, le=200, description="how many questions its short quiz holds (default: settings.quiz_length)"
    )
    lesson_plan: list[PlanStep] = Field(
        default_factory=list,
        description="your own lesson plan, steps with minutes, for the teacher hub and the teacher edition; "
        "when given it replaces the plan primer writes from the content",
    )
    ignore: Ignore = Field(default_factory=dict, description=IGNORE_DESCRIPTION, exclude=True)


# --------------------------------------------------------------------------- questions


def _at_least(n: int) -> dict[str, Any]:
    """JSON Schema for a list of at least `n` items, whose count a validator checks in words."""
    return {"minItems": n}


def _count(items: list[Any], least: int, message: str) -> list[Any]:
    """`items`, or a ValueError in the author's words when there are fewer than `least`."""
    if len(items) < least:
        raise ValueError(message.format(n=len(items)))
    return items


class Choice(Model):
    """An option of a choice question."""

    text: Text
    correct: bool = Field(False, description="true for a right option")
    feedback: Text = Field(description="what a student who picks this option is told")


class QuestionBase(Model):
    """What every question carries."""

    id: Slug = Field(description="unique among all questions; ids starting with 'gen-' are reserved")
    stem: Markdown = Field(description="the question, in Markdown")
    explanation: Text = Field(description="why the answer is right, shown after answering")
    difficulty: int = Field(ge=1, le=3, description="1 easy, 2 medium, 3 hard")
    objective: Slug = Field(description="id of the learning objective it serves")
    tags: list[Slug] = Field(default_factory=list, description="free labels for filtering")
    points: float = Field(1, gt=0, description="how many marks it is worth")
    tests: Refs = Field(description="the points, terms or events it tests")
    ignore: Ignore = Field(default_factory=dict, description=IGNORE_DESCRIPTION, exclude=True)


class SingleChoice(QuestionBase):
    """Pick the one right option."""

    type: Literal["single"]
    choices: list[Choice] = Field(json_schema_extra=_at_least(2), description="the options; exactly one correct")

    @field_validator("choices")
    @classmethod
    def _two(cls, value: list[Choice]) -> list[Choice]:
        return _count(value, 2, "a single-choice question needs at least 2 options; this one has {n} — add options")

    @model_validator(mode="after")
    def _one_correct(self) -> SingleChoice:
        right = sum(c.correct for c in self.choices)
        if right != 1:
            raise ValueError(
                f"a single-choice question needs exactly one correct option; this one has {right} — "
                "mark exactly one option correct: true"
            )
        return self


class MultipleChoice(QuestionBase):
    """Select all that apply."""

    type: Literal["multiple"]
    choices: list[Choice] = Field(
        json_schema_extra=_at_least(3), description="the options (at least 3); any number may be correct"
    )

    @field_validator("choices")
    @classmethod
    def _three(cls, value: list[Choice]) -> list[Choice]:
        return _count(value, 3, "a multiple-choice question needs at least 3 options; this one has {n} — add options")

    @model_validator(mode="after")
    def _some_correct(self) -> MultipleChoice:
        if not any(c.correct for c in self.choices):
            raise ValueError("a multiple-choice question needs at least one correct option — mark one correct: true")
        return self


class TrueFalse(QuestionBase):
    """Is the statement in the stem true?"""

    type: Literal["true-false"]
    answer: bool = Field(description="true when the statement in the stem is true")
    feedback_true: Text = Field(description="told to a student who answers 'true'")
    feedback_false: Text = Field(description="told to a student who answers 'false'")


class ShortAnswer(QuestionBase):
    """Type a short answer; case, spacing and punctuation are ignored."""

    type: Literal["short"]
    accept: list[Text] = Field(json_schema_extra=_at_least(1), description="accepted answers")

    @field_validator("accept")
    @classmethod
    def _some(cls, value: list[str]) -> list[str]:
        return _count(value, 1, "a short-answer question needs an accepted answer — list them under accept:")

    pattern: str | None = Field(None, description="optional regular expression that also accepts an answer")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"the pattern is not a valid regular expression ({exc}) — fix or remove it") from None
        return value


class Numeric(QuestionBase):
    """Give a number, within a tolerance."""

    type: Literal["numeric"]
    answer: float = Field(description="the right number")
    tolerance: float = Field(0, description="how far off an answer may be")
    tolerance_kind: Literal["absolute", "relative"] = Field(
        "absolute", description="absolute: ± tolerance; relative: ± tolerance × answer"
    )
    unit: str | None = Field(None, description="the unit shown after the input, e.g. 'km'")

    @field_validator("tolerance")
    @classmethod
    def _tolerance(cls, value: float) -> float:
        if value < 0:
            raise ValueError(f"a numeric answer's tolerance cannot be negative; this one is {value:g} — use 0 or more")
        return value


class Ordering(QuestionBase):
    """Put the items in order; `items` lists them in the right order."""

    type: Literal["ordering"]
    items: list[Text] = Field(description="the items in the right order (shown shuffled)")

    @field_validator("items")
    @classmethod
    def _three(cls, value: list[str]) -> list[str]:
        if len(value) < 3:
            raise ValueError(f"an ordering question needs at least 3 items; this one has {len(value)} — add items")
        if len(set(value)) != len(value):
            raise ValueError("an ordering question's items must all differ — reword the repeated item")
        return value


class Pair(Model):
    """A left-hand prompt and the right-hand answer it matches."""

    left: Text
    right: Text


class Matching(QuestionBase):
    """Match each left-hand prompt to its right-hand answer."""

    type: Literal["matching"]
    pairs: list[Pair] = Field(json_schema_extra=_at_least(2), description="each prompt with its right answer")
    distractors: list[Text] = Field(default_factory=list, description="extra right-hand answers that match nothing")

    @field_validator("pairs")
    @classmethod
    def _two(cls, value: list[Pair]) -> list[Pair]:
        lefts = [p.left for p in value]
        dupes = sorted({left for left in lefts if lefts.count(left) > 1})
        if dupes:
            # A student could not tell the two prompts apart, so the question cannot be answered reliably.
            raise ValueError(
                f"a matching question's left-hand prompts must differ; repeated: {', '.join(dupes)} — reword them"
            )
        return _count(value, 2, "a matching question needs at least 2 pairs; this one has {n} — add pairs")

    @model_validator(mode="after")
    def _distinct(self) -> Matching:
        rights = [p.right for p in self.pairs] + list(self.distractors)
        dupes = sorted({r for r in rights if rights.count(r) > 1})
        if dupes:
            raise ValueError(
                f"a matching question's right-hand sides must differ; repeated: {', '.join(dupes)} — reword them"
            )
        return self


class Blank(Model):
    """One blank of a cloze: accepted answers, or choices with one answer."""

    id: Slug
    accept: list[Text] = Field(default_factory=list, description="accepted typed answers")
    choices: list[Text] = Field(default_factory=list, description="options of a drop-down blank")
    answer: str | None = Field(None, description="for a blank with choices: the right choice")

    @model_validator(mode="after")
    def _kind(self) -> Blank:
        if bool(self.accept) == bool(self.choices):
            raise ValueError(
                "a blank needs either 'accept' or 'choices' — give typed answers in accept, or choices with an answer"
            )
        if self.choices and self.answer not in self.choices:
            raise ValueError("a blank with choices needs an 'answer' — make it one of its choices")
        return self


#: A blank in a cloze stem: [[id]].
BLANK = re.compile(r"\[\[([a-z0-9]+(?:-[a-z0-9]+)*)\]\]")


class Cloze(QuestionBase):
    """Fill the blanks; the stem marks each blank as [[id]]."""

    type: Literal["cloze"]
    blanks: list[Blank] = Field(
        json_schema_extra=_at_least(1), description="the blanks, each marked [[id]] in the stem"
    )

    @field_validator("blanks")
    @classmethod
    def _some(cls, value: list[Blank]) -> list[Blank]:
        return _count(
            value, 1, "a cloze question needs a blank — mark it [[id]] in the stem and describe it under blanks:"
        )

    @field_validator("stem")
    @classmethod
    def _markers(cls, value: str) -> str:
        rest = BLANK.sub("", value)
        stray = re.search(r"\[\[[^\]]*\]\]|\[\[|\]\]", rest)
        if stray:
            raise ValueError(
                f"'{stray.group(0)}' in the stem is not a blank marker — mark a blank as [[id]] with a "
                "lower-case id listed under blanks:, and write other double brackets differently"
            )
        return value

    @model_validator(mode="after")
    def _marked(self) -> Cloze:
        marked = BLANK.findall(self.stem)
        ids = [b.id for b in self.blanks]
        if len(set(ids)) != len(ids):
            raise ValueError("a cloze question's blanks need different ids — rename the repeated blank")
        if sorted(marked) != sorted(ids):
            raise ValueError(
                f"a cloze stem must mark each blank once; the stem has {marked}, the blanks are {ids} — "
                "write [[id]] in the stem for each blank"
            )
        return self


class Criterion(Model):
    """One line of a rubric."""

    criterion: Text
    points: float = Field(gt=0, description="marks for meeting this criterion")


class OpenResponse(QuestionBase):
    """A teacher-marked answer with a model answer and a rubric."""

    type: Literal["open"]
    model_answer: Text
    rubric: list[Criterion] = Field(json_schema_extra=_at_least(1), description="how the answer is marked")

    @field_validator("rubric")
    @classmethod
    def _some(cls, value: list[Criterion]) -> list[Criterion]:
        return _count(value, 1, "an open question needs a rubric — add at least one criterion under rubric:")


Question = Annotated[
    SingleChoice | MultipleChoice | TrueFalse | ShortAnswer | Numeric | Ordering | Matching | Cloze | OpenResponse,
    Field(discriminator="type"),
]
QUESTION_TYPES: tuple[type[QuestionBase], ...] = (
    SingleChoice,
    MultipleChoice,
    TrueFalse,
    ShortAnswer,
    Numeric,
    Ordering,
    Matching,
    Cloze,
    OpenResponse,
)


class QuestionFile(Model):
    """`content/questions/*.yaml`: a list of hand-written questions."""

    questions: list[Question] = Field(min_length=1, description="the questions; 'type' chooses the kind")


#: Each kind of content file: its name, the model of one file, and where such files live.
KINDS: dict[str, tuple[type[Model], str]] = {
    "site": (Site, "site.yaml"),
    "source": (Source, "sources/*.yaml"),
    "glossary": (Glossary, "glossary.yaml"),
    "actors": (Actors, "actors.yaml"),
    "timeline": (Timeline, "timeline.yaml"),
    "places": (Places, "places.yaml"),
    "topic": (Topic, "topics/*.yaml"),
    "questions": (QuestionFile, "questions/*.yaml"),
}
