"""The Jinja environment: autoescaped, StrictUndefined, a user folder searched first, and sandboxed when
there is one.

Trust model: a content pack is data, and so are its templates. Teachers share lesson folders, so
building someone else's lesson must not run its code. When a lesson has a templates folder, every
template, primer's own and the content pack's, renders in Jinja's immutable sandbox: no attribute that
starts with '_', no method that changes a list or a dict, and (primer's own rule) no value that reaches
the file system — paths, modules, the loaded documents — is visible to a template. A lesson without one
renders primer's own templates alone, which are primer's code like the rest of it: they render outside
the sandbox, whose checks on every attribute and call made a 256-topic lesson's pages take 13-18% longer
to render. A lesson's content is never compiled as a template, so nothing of it runs either way; the two
render the same bytes (tests/test_templates_trusted.py), and their compiled templates are kept apart.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import types
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Any

import click
from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    PackageLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
    meta,
    nodes,
    select_autoescape,
)
from jinja2.bccache import Bucket, BytecodeCache
from jinja2.sandbox import ImmutableSandboxedEnvironment

from primer.cache import own_key, seal, unsealed, user_cache
from primer.content.load import Document
from primer.errors import Problem

#: Templates larger than this are refused (a template is a page layout, not a data file).
MAX_TEMPLATE_BYTES = 1024 * 1024


#: What a dict has as attributes: its type's (a dict has no attribute of its own).
_DICT_ATTRIBUTES = frozenset(dir(dict))

# `x.name` in a template is Jinja's attribute look-up: the attribute, else the item. Most of what primer's
# templates read that way are dicts' items, which Jinja reached by raising and catching an AttributeError each
# time (a 256-topic lesson's handouts: 468,000 times, 0.9 µs each, against 0.1 µs for an attribute): both
# environments look a dict's item up first when no attribute of a dict has the name, which gives what Jinja
# gives, sooner (handouts 1.42 s → 1.15 s on one process). A test holds both to Jinja's own look-up.


def _item(env: Environment, obj: dict[Any, Any], attribute: str) -> Any:
    """A dict's item `attribute`, or what Jinja gives when it has none."""
    try:
        return obj[attribute]
    except (TypeError, LookupError):
        return env.undefined(obj=obj, name=attribute)


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, which also hides everything that touches the file system."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Decisions already taken, by (type of the object, attribute, type of the value).
        self._verdicts: dict[tuple[type, str, type], bool] = {}

    def getattr(self, obj: Any, attribute: str) -> Any:
        # a dict's item first (see `_item`): the sandbox lets a template read any item, as Jinja's look-up would
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            return _item(self, obj, attribute)
        return super().getattr(obj, attribute)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Refuse paths, modules and documents, on top of the sandbox's own rules.

        Every rule here and in Jinja's sandbox (a leading '_', the internal attributes of functions,
        methods, types, frames and generators, the methods that change a list, set, dict or deque)
        looks only at the object's type, the attribute's name and the value's type, so the decision is
        remembered by those three: templates look up the same few attributes hundreds of thousands of
        times in a build."""
        key = (type(obj), attr, type(value))
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._decide(obj, attr, value)
            self._verdicts[key] = verdict
        return verdict

    def _decide(self, obj: Any, attr: str, value: Any) -> bool:
        """The sandbox's decision for one attribute, taken afresh."""
        if isinstance(obj, PurePath | types.ModuleType | Document) or isinstance(
            value, PurePath | types.ModuleType | Document
        ):
            return False
        if attr in ("origins", "doc"):
            return False  # where content came from is the build's business, not a template's
        return bool(super().is_safe_attribute(obj, attr, value))


class _Trusted(Environment):
    """primer's own templates alone (the lesson has no templates folder): primer's code, outside the sandbox."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        # a dict's item first (see `_item`), then Jinja's look-up written out: the attribute, else the item
        # (calling Jinja's own from here would cost an attribute 0.18 µs instead of 0.08 µs)
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            return _item(self, obj, attribute)
        try:
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)


class UserLoader(BaseLoader):
    """Templates from a content pack's `templates/` folder: regular files inside it, nothing else."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path_of(self, name: str) -> Path | None:
        """The file behind template `name`, when it is one the content pack may provide."""
        parts = name.split("/")
        if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
            return None
        path = self.root.joinpath(*parts)
        try:
            real = path.resolve()
            info = path.stat()
        except OSError:
            return None
        if not real.is_relative_to(self.root) or not stat.S_ISREG(info.st_mode):
            return None
        return path

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        """The template's text, read whole (and capped) from inside the templates folder."""
        path = self.path_of(template)
        if path is None:
            raise TemplateNotFound(template)
        with path.open("rb") as stream:
            raw = stream.read(MAX_TEMPLATE_BYTES + 1)
        if len(raw) > MAX_TEMPLATE_BYTES:
            raise TemplateSyntaxError("the template is larger than 1 MB", 1, template, str(path))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TemplateSyntaxError("the template is not UTF-8 text", 1, template, str(path)) from exc
        mtime = path.stat().st_mtime
        return text, str(path), lambda: path.exists() and path.stat().st_mtime == mtime

    def list_templates(self) -> list[str]:
        """Every template the content pack provides, sorted."""
        found = []
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in files:
                rel = (Path(folder) / name).relative_to(self.root).as_posix()
                if self.path_of(rel) is not None:
                    found.append(rel)
        return sorted(found)


class _KeptBytecodeCache(BytecodeCache):
    """Compiled templates, keyed by name and source checksum (an edited template compiles again): kept for
    the life of the process, so that `primer serve` does not compile every template on every rebuild, and
    between commands in primer's cache folder (`templates/`, a folder per primer: see `own_key`), so that a
    build does not compile them each time (0.15 s). A kept template is Python code: each file is signed with
    the cache folder's secret, and one that was not written there, or is damaged, is ignored with a warning
    (the template compiles again). With caching off, nothing is kept on disk."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    @staticmethod
    def _kept() -> tuple[Path, Path] | None:
        """This primer's folder of compiled templates, and the cache folder holding it (None: caching off)."""
        root = user_cache("templates")
        key = own_key() if root is not None else None
        return None if root is None or key is None else (root / key[:32], root)

    def get_bucket(self, environment: Environment, name: str, filename: str | None, source: str) -> Bucket:
        """The bucket of template `name` in `environment`: the sandbox's compiled code and the trusted
        environment's differ (calls go through the sandbox's checks), so each is kept under a key of its own."""
        kind = "sandboxed" if environment.sandboxed else "trusted"
        return super().get_bucket(environment, f"{kind}:{name}", filename, source)

    def load_bytecode(self, bucket: Bucket) -> None:
        """Fill `bucket` when this source was compiled before, in this process or by an earlier command."""
        data = self._compiled.get(bucket.key)
        if data is None and (kept := self._kept()) is not None:
            path = kept[0] / f"{bucket.key}.code"
            data = unsealed(path, kept[1], lambda why: click.echo(f"warning: ignoring {path} ({why})", err=True))
            if data is not None:
                self._compiled[bucket.key] = data
        if data is not None:
            bucket.bytecode_from_string(data)  # jinja checks the source's checksum and its own version

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep the compiled template, here and on disk (a failure to write is not an error)."""
        data = self._compiled[bucket.key] = bucket.bytecode_to_string()
        kept = self._kept()
        if kept is None:
            return
        folder, root = kept
        with contextlib.suppress(OSError):
            if not folder.is_dir():  # a new primer's first: the older ones' templates go
                root.mkdir(parents=True, exist_ok=True, mode=0o700)
                for other in root.glob("*"):
                    if other.is_dir() and not other.is_symlink():
                        shutil.rmtree(other, ignore_errors=True)
                folder.mkdir(parents=True, mode=0o700)
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".code-")
            with os.fdopen(handle, "wb") as stream:
                stream.write(seal(root, data))
            Path(temporary).replace(folder / f"{bucket.key}.code")


_BYTECODE = _KeptBytecodeCache()


def make_env(user_templates: Path | None = None) -> Environment:
    """Templates from `user_templates` override the packaged ones; `default:NAME` always names the packaged one.
    With a `user_templates` folder (empty or not) every template renders in the sandbox; without, primer's own
    render outside it (see the module's notes)."""
    packaged = PackageLoader("primer", "templates")
    loaders: list[BaseLoader] = []
    if user_templates is not None and user_templates.is_dir():
        loaders.append(UserLoader(user_templates))
    kind: type[Environment] = _Sandbox if loaders else _Trusted  # the lesson's own templates: the sandbox
    loaders += [packaged, PrefixLoader({"default": packaged}, delimiter=":")]
    env = kind(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_BYTECODE,
        # an environment serves one build (or one preview of `primer serve`), and each makes its own: a template
        # it loaded is not looked at again on disk at each use (two file checks a page and more: 0.4% of a cold
        # build at 256 topics); an edited template is read by the next build's environment
        auto_reload=False,
    )
    return env


def check_templates(user_templates: Path, shown: Callable[[Path], str], names: dict[str, set[str]]) -> list[Problem]:
    """Syntax errors, unknown variables and missing templates in a content pack's templates, each at
    its line. `names` maps a page template's name to the variables its page provides ('*' for any
    template)."""
    if not user_templates.is_dir():
        return []
    loader = UserLoader(user_templates)
    env = make_env(user_templates)
    everything = set().union(*names.values()) | set(env.globals) | set(env.filters)
    problems: list[Problem] = []
    for name in loader.list_templates():
        path = loader.path_of(name)
        assert path is not None
        where = shown(path)
        try:
            source, _, _ = loader.get_source(env, name)
            ast = env.parse(source, name, str(path))
        except TemplateSyntaxError as exc:
            problems.append(
                Problem(where, exc.lineno or 1, 1, f"template error: {exc.message}", "fix the template here")
            )
            continue
        known = names.get(name, everything) | names.get("*", set()) | set(env.globals)
        for unknown in sorted(meta.find_undeclared_variables(ast) - known):
            line = next((n.lineno for n in ast.find_all(nodes.Name) if n.name == unknown), 1)
            problems.append(
                Problem(
                    where,
                    line,
                    1,
                    f"the template uses '{unknown}', which no page gives it",
                    f"check the spelling; pages give {', '.join(sorted(known - set(env.globals)))}",
                )
            )
        for ref in meta.find_referenced_templates(ast):
            if ref is None:
                continue
            try:
                env.get_template(ref)
            except TemplateNotFound:
                line = next(
                    (n.lineno for n in ast.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport))),
                    1,
                )
                problems.append(
                    Problem(
                        where,
                        line,
                        1,
                        f"the template '{ref}' does not exist",
                        "name one of primer's templates (with 'default:' for the original) or one of yours",
                    )
                )
            except TemplateSyntaxError:
                pass  # reported for its own file
    return problems


def template_problem(exc: BaseException, user_templates: Path | None, shown: Callable[[Path], str]) -> Problem | None:
    """A render-time failure inside a content pack's template, as a problem at its line (or None)."""
    if user_templates is None:
        return None
    root = user_templates.resolve()
    tb = exc.__traceback__
    found: tuple[str, int] | None = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        try:
            inside = Path(filename).resolve().is_relative_to(root)
        except (OSError, ValueError):
            inside = False
        if inside:
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    if found is None:
        return None
    message = str(exc).splitlines()[0].rstrip(".") if str(exc) else type(exc).__name__
    return Problem(
        shown(Path(found[0])),
        found[1],
        1,
        f"the template failed while rendering: {message}",
        "fix the template here (it runs in a sandbox: no underscores, no file access, no changing lists)",
    )
