"""The exports' XML writer gives what ElementTree's indent and writer give, to the character (issue 16)."""

from __future__ import annotations

import copy
import random
import xml.etree.ElementTree as ET

import pytest

from primer.exports.common import xml_text

TEXTS = ["", " ", "\n  ", "a", "x & y", "<b>bold</b>", 'say "hi"', "tab\there", "line\r\nend", "’é", "  padded  "]


def _tree(rng: random.Random, depth: int) -> ET.Element:
    element = ET.Element(rng.choice(["item", "mattext", "varequal", "response_label", "text"]))
    for name in rng.sample(["ident", "title", "texttype", "respident", "format"], rng.randint(0, 3)):
        element.set(name, rng.choice(TEXTS))
    if rng.random() < 0.6:
        element.text = rng.choice(TEXTS)
    if depth < 4:
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            child = _tree(rng, depth + 1)
            if rng.random() < 0.2:
                child.tail = rng.choice(TEXTS)
            element.append(child)
    return element


def _element_tree(element: ET.Element, level: int) -> str:
    element = copy.deepcopy(element)  # indent changes the tree
    ET.indent(element, level=level)
    return ET.tostring(element, encoding="unicode")


@pytest.mark.parametrize("seed", range(4))
def test_the_writer_matches_element_tree(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(300):
        tree = _tree(rng, 0)
        if rng.random() < 0.1:
            tree.tail = rng.choice(TEXTS)
        level = rng.randint(0, 3)
        before = ET.tostring(tree, encoding="unicode")
        assert xml_text(tree, level) == _element_tree(tree, level)
        assert ET.tostring(tree, encoding="unicode") == before  # the tree is left as it was


def test_the_writer_refuses_what_it_does_not_write() -> None:
    with pytest.raises(ValueError, match="plain tags only"):
        xml_text(ET.Element("{http://example.org/ns}item"), 0)
    parent = ET.Element("item")
    parent.append(ET.Comment("a note"))
    with pytest.raises(ValueError, match="plain tags only"):
        xml_text(parent, 0)
