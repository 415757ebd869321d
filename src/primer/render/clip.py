"""Shortening text for labels, notes and reports: one rule for the whole project."""

from __future__ import annotations


def clip(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def clip_chars(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters (mid-word if need be), with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
