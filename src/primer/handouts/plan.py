"""A lesson plan written from a topic's content: timing from its reading length and its questions,
which sections to read in which order, which prompts to discuss, which questions make the exit ticket.
A topic's own `lesson_plan:` replaces the steps."""

from __future__ import annotations

import math
from typing import Any

from primer.content.library import Library
from primer.content.models import QuestionBase, Topic
from primer.handouts.versions import Version, kind

#: Words a class reads per minute on paper, with the bold terms and glossary box to check.
READING_WPM = 100
#: Minutes a student needs for each kind of question on paper.
QUESTION_MINUTES = {
    "single": 1.0,
    "multiple": 1.5,
    "true-false": 0.5,
    "short": 1.5,
    "numeric": 1.5,
    "ordering": 2.0,
    "matching": 2.0,
    "cloze": 2.0,
    "open": 6.0,
}
#: How many prompts a lesson discusses, and for how long each.
PROMPTS_IN_CLASS = 2
PROMPT_MINUTES = 7
#: How many questions make the exit ticket.
EXIT_TICKET = 3


def exit_ticket(topic: Topic, quiz: list[QuestionBase]) -> list[QuestionBase]:
    """Up to three quick questions, one per objective in the topic's order, hand-written before generated."""
    chosen: list[QuestionBase] = []
    quick = sorted(
        (q for q in quiz if kind(q) != "open"),
        key=lambda q: (q.id.startswith("gen-"), QUESTION_MINUTES[kind(q)], quiz.index(q)),
    )
    for objective in topic.objectives:
        found = next((q for q in quick if q.objective == objective.id and q not in chosen), None)
        if found is not None:
            chosen.append(found)
        if len(chosen) == EXIT_TICKET:
            break
    for question in quick:  # objectives without a question: fill up with the quickest others
        if len(chosen) == EXIT_TICKET:
            break
        if question not in chosen:
            chosen.append(question)
    return sorted(chosen, key=quiz.index)


def _numbers(questions: list[QuestionBase], versions: list[Version]) -> str:
    """'version A: 3, 9, 14; version B: …'"""
    return "; ".join(
        f"version {v.letter}: {', '.join(str(n) for n in sorted(v.number(q.id) for q in questions))}" for v in versions
    )


def lesson_plan(
    lib: Library, topic: Topic, quiz: list[QuestionBase], versions: list[Version], passage_words: int
) -> dict[str, Any]:
    """The lesson plan of one topic as plain data: steps (minutes, activity), total minutes, and
    whether the topic wrote its own."""
    if topic.lesson_plan:
        own = [{"minutes": s.minutes, "activity": s.activity} for s in topic.lesson_plan]
        return {"own": True, "steps": own, "minutes": sum(s.minutes for s in topic.lesson_plan), "homework": ""}
    reading = max(5, math.ceil(passage_words / READING_WPM))
    sections = "; ".join(f"{i}. {s.title}" for i, s in enumerate(topic.sections, start=1))
    ticket = exit_ticket(topic, quiz)
    prompts = list(topic.prompts[:PROMPTS_IN_CLASS])
    steps: list[dict[str, Any]] = [
        {
            "minutes": 5,
            "activity": f"Warm-up: read the opening aloud and ask what the class already knows about “{topic.title}”.",
        },
        {
            "minutes": reading,
            "activity": f"Read the passage on the handout in this order: {sections}. "
            "Students underline the words in bold and check them in the glossary box.",
        },
    ]
    if topic.perspectives:
        names = [lib.actors[p.actor].name for p in topic.perspectives if p.actor in lib.actors]
        steps.append(
            {
                "minutes": 5,
                "activity": f"Perspectives: compare how {_join(names)} see it (the explainer page, “Perspectives”).",
            }
        )
    for prompt in prompts:
        steps.append({"minutes": PROMPT_MINUTES, "activity": f"Discuss in small groups, then report back: {prompt}"})
    ticket_step: dict[str, Any] = {
        "minutes": max(3, math.ceil(sum(QUESTION_MINUTES[kind(q)] for q in ticket)) + 1),
        "activity": f"Exit ticket: every student answers questions {_numbers(ticket, versions)} "
        "(one per objective) if not done yet; collect the sheets and mark those first.",
    }
    # The quiz fills what the lesson (site.yaml's settings.lesson_minutes) leaves; the rest is homework.
    room = lib.site.settings.lesson_minutes - sum(s["minutes"] for s in steps) - ticket_step["minutes"]
    per_question = [QUESTION_MINUTES[kind(q)] for q in quiz]
    whole = max(5, math.ceil(sum(per_question)))
    homework = ""
    if whole <= room:
        steps.append(
            {
                "minutes": whole,
                "activity": f"Quiz: all {len(quiz)} questions of the handout, each student on their own version.",
            }
        )
    else:
        done = 0
        while done < len(quiz) and sum(per_question[: done + 1]) <= room:
            done += 1  # on average: every version's sheet mixes the kinds of questions alike
        if done >= 3:
            steps.append(
                {
                    "minutes": math.ceil(sum(per_question[:done])),
                    "activity": f"Quiz: questions 1 to {done} of each student's own version of the handout.",
                }
            )
        rest = f"questions {done + 1} to {len(quiz)}" if done >= 3 else f"all {len(quiz)} questions"
        homework = (
            f"Homework: {rest} of the handout (about {math.ceil(sum(per_question) - sum(per_question[:done]))} "
            "minutes), and the full explainer on the site."
        )
    steps.append(ticket_step)
    return {"own": False, "steps": steps, "minutes": sum(s["minutes"] for s in steps), "homework": homework}


def _join(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
