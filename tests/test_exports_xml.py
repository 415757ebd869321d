"""The exports' XML written as text (`leaf`, `wrap`) is what ElementTree's indent and writer give, to the
character (issue 16)."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET

import pytest

from primer.exports.common import PAD, leaf, wrap, xml_attribute

TEXTS = ["", " ", "\n  ", "a", "x & y", "<b>bold</b>", 'say "hi"', "tab\there", "line\r\nend", "’é", "  padded  "]


def _tree(rng: random.Random, depth: int) -> ET.Element:
    """A tree as the exports write them: an element holds text or elements, never both."""
    element = ET.Element(rng.choice(["item", "mattext", "varequal", "response_label", "text"]))
    for name in rng.sample(["ident", "title", "texttype", "respident", "format"], rng.randint(0, 3)):
        element.set(name, rng.choice(TEXTS))
    children = rng.choice([0, 0, 1, 2, 3]) if depth < 4 else 0
    for _ in range(children):
        element.append(_tree(rng, depth + 1))
    if not children and rng.random() < 0.6:
        element.text = rng.choice(TEXTS)
    return element


def _written(element: ET.Element, depth: int, out: list[str]) -> None:
    attrs = "".join(f' {name}="{xml_attribute(value)}"' for name, value in element.items())
    if len(element):
        inner: list[str] = []
        for child in element:
            _written(child, depth + 1, inner)
        wrap(out, depth, element.tag, attrs, inner)
    else:
        leaf(out, depth, element.tag, attrs, element.text)


@pytest.mark.parametrize("seed", range(4))
def test_the_text_is_what_element_tree_writes(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(300):
        tree = _tree(rng, 0)
        depth = rng.randint(0, 3)
        out: list[str] = []
        _written(tree, depth, out)
        ET.indent(tree, level=depth)
        assert "\n".join(out) == PAD[depth] + ET.tostring(tree, encoding="unicode")


def test_an_element_without_children_or_text_closes_itself() -> None:
    out: list[str] = []
    wrap(out, 1, "tags", "", [])
    leaf(out, 2, "text", ' format="html"', "")
    leaf(out, 2, "text")
    assert out == ["  <tags />", '    <text format="html" />', "    <text />"]
