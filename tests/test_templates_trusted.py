"""primer's own templates render outside the sandbox when a lesson brings none, and to the same bytes as in it;
a lesson with a templates folder renders every template in the sandbox (issue 16)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from jinja2 import Environment
from jinja2.exceptions import SecurityError

from primer import build
from primer.render import env as env_module
from primer.render.env import make_env
from tools import ROOT

SHIPPED = ROOT / "content"
PACKAGED = ROOT / "src" / "primer" / "templates"


def test_only_a_lesson_with_templates_is_sandboxed(tmp_path: Path) -> None:
    assert not make_env().sandboxed
    assert not make_env(tmp_path / "templates").sandboxed  # no such folder
    (tmp_path / "templates").mkdir()
    sandboxed = make_env(tmp_path / "templates")  # an empty folder is enough
    assert sandboxed.sandboxed
    with pytest.raises(SecurityError):
        sandboxed.from_string("{{ x.append(1) }}").render(x=[])
    (tmp_path / "templates" / "page.html").write_text("{{ x.append(1) }}", encoding="utf-8")
    with pytest.raises(SecurityError):  # the lesson's own template, from its file
        make_env(tmp_path / "templates").get_template("page.html").render(x=[])


def test_the_two_kinds_of_compiled_template_are_kept_apart(
    tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A packaged template compiled outside the sandbox is never taken for the sandbox's (its calls would skip
    the sandbox's checks), in memory or on disk; each kind is compiled once."""
    compiled: list[tuple[str, bool]] = []
    original = Environment.compile

    def counted(self: Environment, source: str, name: str | None = None, *args: object, **kwargs: object) -> object:
        compiled.append((str(name), self.sandboxed))
        return original(self, source, name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Environment, "compile", counted)
    monkeypatch.setattr(env_module._BYTECODE, "_compiled", {})
    (tmp_path / "templates").mkdir()
    for _ in range(2):
        make_env().get_template("site/glossary.html")
        make_env(tmp_path / "templates").get_template("site/glossary.html")
    assert compiled.count(("site/glossary.html", False)) == 1
    assert compiled.count(("site/glossary.html", True)) == 1

    monkeypatch.setattr(env_module._BYTECODE, "_compiled", {})  # a new process: from the files on disk
    compiled.clear()
    make_env().get_template("site/glossary.html")
    make_env(tmp_path / "templates").get_template("site/glossary.html")
    assert compiled == []


def test_the_sandbox_and_outside_it_render_the_same_site(tmp_path: Path) -> None:
    """The shipped lesson built as it is (primer's templates outside the sandbox) and with a templates folder
    that only repeats one of primer's (every template in the sandbox): the same files, byte for byte."""
    result = build.check(SHIPPED)
    plain = build._render(result, SHIPPED, pdf=False)
    own = tmp_path / "lesson"
    (own / "templates" / "site").mkdir(parents=True)
    shutil.copyfile(PACKAGED / "site" / "glossary.html", own / "templates" / "site" / "glossary.html")
    sandboxed = build._render(result, own, pdf=False)
    assert plain.paths() == sandboxed.paths()
    differ = [path for path in plain.paths() if plain.get(path) != sandboxed.get(path)]
    assert differ == []
    assert any(path.endswith(".html") for path in plain.paths())


class _Shelf(dict[str, object]):
    """A dict of another type, with an attribute of its own."""

    label = "own attribute"


class _Thing:
    number = 7


def test_a_templates_dotted_lookup_gives_what_jinja_gives(tmp_path: Path) -> None:
    """`x.name` is looked up in a dict's items first when no attribute of a dict has the name (`env._item`):
    what Jinja's own look-up (the attribute, else the item) gives, in and outside the sandbox, for items,
    names of a dict's methods, missing names, other kinds of dict and other objects."""
    from jinja2.sandbox import SandboxedEnvironment

    (tmp_path / "templates").mkdir()
    row = {"number": 3, "items": "an item named items", "label": None, "": 0}
    shelf = _Shelf(number=4, label="an item")
    objects: list[object] = [row, {}, shelf, _Thing(), [1, 2], "text", None]
    names = ["number", "items", "get", "keys", "label", "__class__", "__len__", "missing", "", "upper"]
    for env, jinja in (
        (make_env(), Environment.getattr),
        (make_env(tmp_path / "templates"), SandboxedEnvironment.getattr),
    ):
        for obj in objects:
            for name in names:
                ours, theirs = env.getattr(obj, name), jinja(env, obj, name)
                assert type(ours) is type(theirs), (obj, name)
                if isinstance(theirs, env.undefined):
                    assert (ours._undefined_name, ours._undefined_obj) == (name, obj)
                elif callable(theirs):
                    assert getattr(ours, "__name__", ours) == getattr(theirs, "__name__", theirs)
                else:
                    assert ours == theirs, (obj, name)
    page = make_env().from_string("{{ row.number }} {{ row['items'] }} {{ row.items() | list | length }}")
    assert page.render(row=row) == "3 an item named items 4"
