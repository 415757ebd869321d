"""The Jinja environment: autoescape, StrictUndefined, and a user folder searched first."""

from __future__ import annotations

from pathlib import Path

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    StrictUndefined,
    select_autoescape,
)


def make_env(user_templates: Path | None = None) -> Environment:
    """Templates from `user_templates` override the packaged ones; `default:NAME` always names the packaged one."""
    packaged = PackageLoader("primer", "templates")
    loaders: list[BaseLoader] = []
    if user_templates is not None and user_templates.is_dir():
        loaders.append(FileSystemLoader(str(user_templates)))
    loaders += [packaged, PrefixLoader({"default": packaged}, delimiter=":")]
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env
