"""Hostile and careless inputs, and faults: never lose a user's file, never run a content pack's code,
and never ship a broken page that `check` called ok. Each case names what it guards against."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from primer import write as write_mod
from primer.write import MARKER, Output
from tools import ROOT, Invoke

# --------------------------------------------------------------------------- helpers


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _build(cli: Invoke, mini: Path, out: Path, *extra: str) -> str:
    result = cli("build", "--content", mini, "--out", out, *extra)
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def _fails(cli: Invoke, *args: str | Path) -> list[str]:
    """Run a command that must fail as the user sees it: exit 1, one line per problem, no traceback."""
    result = cli(*args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return [line for line in str(result.stderr).splitlines() if line]


def _insert(path: Path, after: str, text: str) -> None:
    data = path.read_text(encoding="utf-8")
    assert after in data, after
    path.write_text(data.replace(after, after + text, 1), encoding="utf-8")


def _replace(path: Path, old: str, new: str) -> None:
    data = path.read_text(encoding="utf-8")
    assert old in data, old
    path.write_text(data.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


# --------------------------------------------------------------------------- data loss: the commit


def _site(tmp_path: Path, pages: dict[str, str]) -> Path:
    out = Output()
    for rel, text in pages.items():
        out.add(rel, text)
    site = tmp_path / "site"
    out.commit(site)
    return site


def test_leftovers_of_a_killed_build_are_cleaned_and_the_next_build_succeeds(tmp_path: Path) -> None:
    site = _site(tmp_path, {"index.html": "one"})
    # What killed builds leave: staging folders (with the marker, or still empty), and an old site
    # set aside under a PID-derived name, as primer running as PID 1 in a container would.
    (tmp_path / ".site.new-abc123").mkdir()
    (tmp_path / ".site.new-abc123" / MARKER).write_text("{}")
    (tmp_path / ".site.new-def456").mkdir()
    (tmp_path / ".site.old-1").mkdir()
    (tmp_path / ".site.old-1" / MARKER).write_text("{}")
    (tmp_path / ".site.old-1" / "index.html").write_text("older")
    _site_again = Output()
    _site_again.add("index.html", "two")
    _site_again.commit(site)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert (site / "index.html").read_text() == "two"


def test_a_set_aside_site_that_another_build_removes_meanwhile_does_not_fail_this_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build that swapped an old site out removes it after its lock is released, so the next build's
    clean-up can find it half gone, or gone, by the time it gets to it."""
    site = _site(tmp_path, {"index.html": "one"})
    aside = tmp_path / ".site.old-7"
    (aside / "deep").mkdir(parents=True)
    (aside / MARKER).write_text("{}")
    (aside / "deep" / "page.html").write_text("older")
    real_in_use = write_mod._in_use

    def removed_meanwhile(folder: Path) -> bool:
        if folder == aside:  # the other build's removal gets there first
            (aside / "deep" / "page.html").unlink()
            (aside / "deep").rmdir()
            (aside / MARKER).unlink()
            aside.rmdir()
        return real_in_use(folder)

    monkeypatch.setattr(write_mod, "_in_use", removed_meanwhile)
    again = Output()
    again.add("index.html", "two")
    again.commit(site)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert (site / "index.html").read_text() == "two"


def test_a_build_killed_between_the_two_renames_is_undone_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site(tmp_path, {"index.html": "one", "CNAME": "x"})
    (site / "notes.txt").write_text("mine")
    monkeypatch.setattr(write_mod, "_exchange", lambda a, b: False)  # a system without RENAME_EXCHANGE
    real_rename = Path.rename
    calls = []

    def rename(self: Path, target: str | os.PathLike[str]) -> Path:
        calls.append(self.name)
        if len(calls) == 2:  # the old site is aside, the new one not yet in place: Ctrl-C now
            raise KeyboardInterrupt
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    second = Output()
    second.add("index.html", "two")
    with pytest.raises(KeyboardInterrupt):
        second.commit(site)
    assert not site.exists(), "the window this test aims at: the old site is set aside"
    monkeypatch.setattr(Path, "rename", real_rename)
    third = Output()
    third.add("index.html", "three")
    third.commit(site)
    assert (site / "index.html").read_text() == "three"
    assert (site / "notes.txt").read_text() == "mine", "the user's file came back with the old site"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_sigkill_between_the_renames_then_rebuild(tmp_path: Path) -> None:
    """A real SIGKILL at the worst moment, in a child process, then a normal build."""
    site = _site(tmp_path, {"index.html": "one"})
    (site / "teacher-notes.txt").write_text("keep me")
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from primer import write
        from primer.write import Output
        write._exchange = lambda a, b: False
        real = Path.rename
        count = []
        def rename(self, target):
            count.append(1)
            if len(count) == 2:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(self, target)
        Path.rename = rename
        out = Output()
        out.add("index.html", "two")
        out.commit(Path({str(site)!r}))
        """
    )
    child = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert not site.exists()
    again = Output()
    again.add("index.html", "three")
    again.commit(site)
    assert (site / "index.html").read_text() == "three"
    assert (site / "teacher-notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_the_swap_is_one_atomic_exchange_on_linux(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("renameat2 is Linux's")
    site = _site(tmp_path, {"index.html": "one"})
    renames: list[str] = []
    real_rename = Path.rename
    monkeypatch.setattr(Path, "rename", lambda self, t: renames.append(self.name) or real_rename(self, t))
    again = Output()
    again.add("index.html", "two")
    again.commit(site)
    assert (site / "index.html").read_text() == "two"
    assert renames == [], "no two-rename window where the system can exchange"


def test_a_symlinked_output_folder_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real-site"
    link = tmp_path / "site"
    link.symlink_to(real, target_is_directory=True)
    for text in ("one", "two"):
        out = Output()
        out.add("index.html", text)
        out.commit(link)
    assert link.is_symlink()
    assert (real / "index.html").read_text() == "two"


def test_an_output_folder_that_is_a_mount_point_is_updated_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site(tmp_path, {"index.html": "one", "old/page.html": "gone next time"})
    (site / "CNAME").write_text("mine")
    monkeypatch.setattr(write_mod.os.path, "ismount", lambda p: Path(p) == site)
    out = Output()
    out.add("index.html", "two")
    out.add("new/page.html", "new")
    out.commit(site, epoch=1_000_000_000)
    assert _files(site) == {
        MARKER: (site / MARKER).read_bytes(),
        "CNAME": b"mine",
        "index.html": b"two",
        "new/page.html": b"new",
    }
    assert not (site / "old").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_busy_folder_falls_back_to_updating_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = _site(tmp_path, {"index.html": "one"})

    def busy(a: Path, b: Path) -> bool:
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(b))

    monkeypatch.setattr(write_mod, "_exchange", busy)
    out = Output()
    out.add("index.html", "two")
    out.commit(site)
    assert (site / "index.html").read_text() == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_source_date_epoch_fixes_every_time_and_the_umask_no_mode(tmp_path: Path) -> None:
    """Two builds of the same content are the same tarball: times of files, folders and the marker,
    and modes, whatever the umask."""
    stats = []
    for name in ("a", "b"):
        out = tmp_path / name / "site"
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1500000000"}
        command = (
            f"umask 077 && {sys.executable} -m primer build --content {ROOT / 'tests' / 'data' / 'mini'} --out {out}"
        )
        subprocess.run(["sh", "-c", command], check=True, env=env, capture_output=True, timeout=120)
        found = {}
        for path in sorted([out, *out.rglob("*")]):
            info = path.stat()
            found[path.relative_to(out).as_posix()] = (
                oct(info.st_mode & 0o777),
                int(info.st_mtime),
                path.read_bytes() if path.is_file() else b"",
            )
        stats.append(found)
    assert stats[0] == stats[1]
    assert {mode for mode, _, data in stats[0].values()} == {"0o644", "0o755"}
    assert {mtime for _, mtime, _ in stats[0].values()} == {1_500_000_000}


def test_a_full_disk_is_one_line_and_the_old_site_stays(
    mini: Path, tmp_path: Path, cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    _build(cli, mini, out)
    before = _files(out)

    def full(*args: object, **kwargs: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(write_mod.os, "write", full)
    _build(cli, mini, out)  # nothing changed: the folder holds that build already, and nothing is written
    assert _files(out) == before
    _replace(mini / "site.yaml", "title: Mini Lesson", "title: Mini Lesson, Again")  # built anew, not reused
    lines = _fails(cli, "build", "--content", mini, "--out", out)
    assert lines == ["Error: cannot write site/: No space left on device — the previous output is unchanged"]
    assert _files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content", "site"]


def test_a_disk_that_fills_while_the_pages_are_written_is_one_line_and_the_old_site_stays(
    mini: Path, tmp_path: Path, cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files are written as they are made (into the spool): a full disk then is met while rendering,
    in this process or a worker, and reads as it does at the commit."""
    out = tmp_path / "site"
    _build(cli, mini, out)
    before = _files(out)
    real = write_mod._write_file

    def full_for_pages(root: Path, rel: str, data: bytes, epoch: int | None, **how: bool) -> None:
        if rel.endswith(".html"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(root, rel, data, epoch, **how)

    monkeypatch.setattr(write_mod, "_write_file", full_for_pages)
    _replace(mini / "site.yaml", "title: Mini Lesson", "title: Mini Lesson, Again")  # built anew, not reused
    lines = _fails(cli, "build", "--content", mini, "--out", out)
    assert lines == ["Error: cannot write site/: No space left on device — the previous output is unchanged"]
    assert _files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content", "site"]


def test_a_failed_build_leaves_no_trace_not_even_the_folders_its_output_would_be_in(
    mini: Path, tmp_path: Path, cli: Invoke
) -> None:
    _replace(mini / "site.yaml", "title:", "titel:")
    result = cli("build", "--content", mini, "--out", tmp_path / "new" / "deep" / "site")
    assert result.exit_code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content"]


def test_a_read_only_location_is_one_line(
    mini: Path, tmp_path: Path, cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*args: object, **kwargs: object) -> str:
        raise PermissionError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(write_mod, "_mkdtemp", refused)
    lines = _fails(cli, "build", "--content", mini, "--out", tmp_path / "site")
    assert lines == ["Error: cannot write site/: Read-only file system — the previous output is unchanged"]


def test_a_build_that_waits_too_long_for_another_is_one_line(
    mini: Path, tmp_path: Path, cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    monkeypatch.setattr(write_mod, "LOCK_WAIT", 0.3)
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another build holds the output's parent folder, and keeps it
        lines = _fails(cli, "build", "--content", mini, "--out", tmp_path / "site")
    finally:
        os.close(fd)
    assert lines == [
        "Error: another primer build kept the folder that holds site/ busy for 0.3 s — wait for it to finish, "
        "then build again (the output is unchanged)"
    ]
    assert not (tmp_path / "site").exists()


def test_a_build_waits_while_another_swaps_its_output_in_beside_it(
    mini: Path, tmp_path: Path, cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two lessons built at once into folders of one parent: the one that finds the parent held waits for the
    other's swap instead of failing (it once said another build was writing its own folder)."""
    import fcntl
    import time

    out = tmp_path / "out"
    out.mkdir()
    fd = os.open(out, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # the other lesson's build, swapping its output in
    waits: list[float] = []

    class Clock:
        """The write module's clock: the other build lets go once this one has waited a first time."""

        monotonic = staticmethod(time.monotonic)

        @staticmethod
        def sleep(seconds: float) -> None:
            waits.append(seconds)
            if len(waits) == 1:
                os.close(fd)

    monkeypatch.setattr(write_mod, "time", Clock)
    try:
        result = cli("build", "--content", mini, "--out", out / "b", "--no-pdf")
    finally:
        if not waits:
            os.close(fd)
    assert result.exit_code == 0, result.output
    assert len(waits) == 1  # it found the parent held, waited, then took it
    assert (out / "b" / "index.html").is_file()
    assert sorted(p.name for p in out.iterdir()) == ["b"]


def _builds_at_once(mini: Path, outs: list[Path]) -> None:
    """Build `mini` into each of `outs` at the same moment, in processes of their own: each must succeed."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "primer", "build", "--content", str(mini), "--out", str(out), "--no-pdf"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for out in outs
    ]
    for run in runs:
        _, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, stderr


def test_two_lessons_build_at_once_into_folders_of_one_parent(mini: Path, tmp_path: Path) -> None:
    """Side by side, as `make -j` would run them: both succeed, each with its own output."""
    out = tmp_path / "out"
    _builds_at_once(mini, [out / name for name in ("a", "b", "c")])
    assert sorted(p.name for p in out.iterdir()) == ["a", "b", "c"]
    pages = [sorted(str(p.relative_to(out / name)) for p in (out / name).rglob("*")) for name in ("a", "b", "c")]
    assert pages[0] == pages[1] == pages[2] and "index.html" in pages[0]


def test_builds_into_the_same_folder_at_once_both_succeed_and_leave_one_whole_site(mini: Path, tmp_path: Path) -> None:
    """The later swap waits for the earlier, then cleans up beside that build's removal of what it swapped out."""
    site = tmp_path / "site"
    for _ in range(2):  # the first time into no folder, then over a site
        _builds_at_once(mini, [site, site, site])
        assert sorted(p.name for p in tmp_path.iterdir()) == ["content", "site"]
        listed = json.loads((site / MARKER).read_text(encoding="utf-8"))["files"]
        on_disk = sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file() and p.name != MARKER)
        assert on_disk == sorted(listed) and "index.html" in listed


def test_an_unexpected_failure_is_one_line_that_says_it_is_a_bug(
    mini: Path, tmp_path: Path, cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    from primer import build as build_mod

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something primer did not expect")

    monkeypatch.setattr(build_mod, "build_site", broken)
    lines = _fails(cli, "build", "--content", mini, "--out", tmp_path / "site")
    assert len(lines) == 1
    assert "this is a bug in primer" in lines[0] and "RuntimeError: something primer did not expect" in lines[0]
    saved = Path(lines[0].split("the traceback is in ")[1].split(" — ")[0])
    assert "Traceback" in saved.read_text() and "broken" in saved.read_text()
    saved.unlink()
    assert not (tmp_path / "site").exists()
    debug = cli("--debug", "build", "--content", mini, "--out", tmp_path / "site")
    assert debug.exit_code == 1 and "Traceback" in debug.stderr
    Path(debug.stderr.split("the traceback is in ")[1].split(" — ")[0]).unlink()


def test_ctrl_c_says_nothing_changed(mini: Path, tmp_path: Path, cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    from primer import build as build_mod

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(build_mod, "build_site", interrupted)
    result = cli("build", "--content", mini, "--out", tmp_path / "site")
    assert result.exit_code == 130
    assert result.stderr.strip() == "Error: interrupted — nothing was changed"


def test_a_user_file_in_the_way_of_a_new_page_is_never_overwritten(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    out = tmp_path / "site"
    _build(cli, mini, out)
    marker = json.loads((out / MARKER).read_text())
    # The user's own 404 page, which the marker (as if from an older primer) does not list.
    (out / MARKER).write_text(json.dumps({**marker, "files": [f for f in marker["files"] if f != "404.html"]}))
    (out / "404.html").write_text("my own 404")
    lines = _fails(cli, "build", "--content", mini, "--out", out)
    assert lines == [
        "Error: refusing to overwrite files in site/ that primer did not write: 404.html — "
        "move them away, or build with --clean to replace them"
    ]
    assert (out / "404.html").read_text() == "my own 404"


def test_a_marker_from_an_older_primer_still_allows_a_rebuild(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    out = tmp_path / "site"
    _build(cli, mini, out)
    (out / MARKER).write_text("written by primer; the next build replaces this folder whole\n")
    (out / "stale.html").write_text("from the old build")
    (out / ".nojekyll").write_text("")
    _build(cli, mini, out)
    assert not (out / "stale.html").exists()
    assert (out / ".nojekyll").exists(), "dotfiles are never deleted"


# --------------------------------------------------------------------------- a content pack is data


def _template(mini: Path, name: str, text: str) -> Path:
    path = mini / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "attack",
    [
        "{{ cycler.__init__.__globals__.os.system('touch PWNED') }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ lib.origins }}",
        "{% for k, o in lib.origins.items() %}{{ o.doc.path.read_text() }}{% endfor %}",
        "{{ lib.topics_in_order.__self__ }}",
        "{{ (lib.topics.values()|first).title.format.__globals__ }}",
        "{% set x = lib.topics.clear() %}",
    ],
)
def test_a_content_packs_templates_cannot_reach_python(
    attack: str, mini: Path, tmp_path: Path, cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # where a successful 'touch PWNED' would land
    path = _template(
        mini, "site/404.html", '{% extends "default:site/404.html" %}{% block main %}' + attack + "{% endblock %}"
    )
    lines = _fails(cli, "check", "--content", mini)
    assert lines[0].startswith("content/templates/site/404.html:1:1: "), lines
    assert "sandbox" in lines[0] or "unsafe" in lines[0] or "not safely" in lines[0], lines
    assert not (tmp_path / "PWNED").exists()
    assert not (tmp_path / "site").exists()
    assert path.exists()


def test_template_errors_are_found_by_check_at_their_line(mini: Path, cli: Invoke) -> None:
    _template(
        mini, "site/about.html", '{% extends "default:site/about.html" %}\n{% block main %}\n{% if %}\n{% endblock %}\n'
    )
    _template(
        mini,
        "site/index.html",
        '{% extends "default:site/index.html" %}\n{% block main %}\n{{ titel }}\n{% endblock %}\n',
    )
    _template(mini, "site/_card.html", '{% include "site/_nowhere.html" %}\n')
    lines = _fails(cli, "check", "--content", mini)
    assert lines[:3] == [
        "content/templates/site/_card.html:1:1: the template 'site/_nowhere.html' does not exist — "
        "name one of primer's templates (with 'default:' for the original) or one of yours",
        "content/templates/site/about.html:3:1: template error: Expected an expression, got 'end of statement block' "
        "— fix the template here",
        lines[2],
    ]
    assert lines[2].startswith(
        "content/templates/site/index.html:3:1: the template uses 'titel', which no page gives it"
    )


def test_a_working_user_template_still_overrides(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    _template(
        mini,
        "site/404.html",
        '{% extends "default:site/404.html" %}{% block main %}<p>Lost? {{ site.title }}</p>{% endblock %}',
    )
    _build(cli, mini, tmp_path / "site")
    assert "<p>Lost? Mini Lesson</p>" in (tmp_path / "site" / "404.html").read_text()


def test_a_symlink_to_a_file_outside_the_content_folder_is_refused(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("terms:\n  - id: leaked\n")
    (mini / "glossary.yaml").unlink()
    (mini / "glossary.yaml").symlink_to(secret)
    (mini / "templates").mkdir()
    (mini / "templates" / "outside.html").symlink_to(secret)
    lines = _fails(cli, "check", "--content", mini)
    assert lines[0] == (
        "content/glossary.yaml:1:1: this file is a link to a file outside the content folder — "
        "copy the file into the content folder instead of linking to it"
    )


def test_a_content_folder_that_is_a_link_to_outside_is_refused(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    # the file itself is no link: the folder it is in is one (each folder is resolved once a load)
    outside = tmp_path / "elsewhere"
    (mini / "topics").rename(outside)
    (mini / "topics").symlink_to(outside, target_is_directory=True)
    lines = _fails(cli, "check", "--content", mini)
    topics = sorted(outside.glob("*.yaml"))
    assert topics
    assert lines[: len(topics)] == [
        f"content/topics/{path.name}:1:1: this file is a link to a file outside the content folder — "
        "copy the file into the content folder instead of linking to it"
        for path in topics
    ]


def test_a_link_to_dev_zero_or_a_fifo_is_refused_without_reading_it(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    (mini / "glossary.yaml").unlink()
    os.mkfifo(mini / "glossary.yaml")  # reading it would hang the build
    (mini / "actors.yaml").unlink()
    (mini / "actors.yaml").symlink_to("/dev/zero")  # reading it would never end
    lines = _fails(cli, "check", "--content", mini)
    assert lines[:2] == [
        "content/actors.yaml:1:1: this file is a link to a file outside the content folder — "
        "copy the file into the content folder instead of linking to it",
        "content/glossary.yaml:1:1: this is not a regular file (a device, a pipe or a socket) — remove it",
    ]


def test_a_build_with_its_caches_refuses_a_link_to_dev_zero_or_a_fifo_without_reading_it(
    mini: Path, tmp_path: Path, own_cache: Path
) -> None:
    """The build's key hashes every file of the content folder before the lesson is checked: what a link points
    to, or a pipe, is not read for it (reading /dev/zero once took all the memory; a pipe waits for ever). Run
    with a time limit and a limit on memory, so that a regression fails rather than hangs."""
    (mini / "glossary.yaml").unlink()
    os.mkfifo(mini / "glossary.yaml")
    (mini / "actors.yaml").unlink()
    (mini / "actors.yaml").symlink_to("/dev/zero")

    # primer, in a process that may take 4 GB at most
    limited = "import resource, runpy; resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30)); "
    limited += "runpy.run_module('primer', run_name='__main__')"
    for command in (["build", "--no-pdf", "--out", str(tmp_path / "site")], ["check"], ["check"]):
        done = subprocess.run(
            [sys.executable, "-c", limited, *command, "--content", str(mini)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.splitlines()[:2] == [
            "content/actors.yaml:1:1: this file is a link to a file outside the content folder — "
            "copy the file into the content folder instead of linking to it",
            "content/glossary.yaml:1:1: this is not a regular file (a device, a pipe or a socket) — remove it",
        ], command
    assert not (tmp_path / "site").exists()


def test_a_template_that_vanishes_during_the_build_is_one_line(
    mini: Path, tmp_path: Path, cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    from primer import build as build_mod

    _template(mini, "site/_extra.html", "<p>extra</p>")
    _template(
        mini,
        "site/404.html",
        '{% extends "default:site/404.html" %}{% block main %}{% include "site/_extra.html" %}{% endblock %}',
    )
    validate = build_mod._validate

    def then_delete(content: Path, strict: bool, **options: object) -> object:
        result = validate(content, strict, **options)  # type: ignore[arg-type]
        (mini / "templates" / "site" / "_extra.html").unlink()
        return result

    monkeypatch.setattr(build_mod, "_validate", then_delete)
    lines = _fails(cli, "build", "--content", mini, "--out", tmp_path / "site")
    assert len(lines) == 2
    assert lines[0].startswith(
        "content/templates/site/404.html:1:1: the template failed while rendering: site/_extra.html"
    )
    assert not (tmp_path / "site").exists()


def test_dotfiles_and_appledouble_files_are_skipped(mini: Path, cli: Invoke) -> None:
    (mini / "topics" / "._radars.yaml").write_bytes(b"\x00\x05\x16\x07binary resource fork")
    (mini / "._site.yaml").write_bytes(b"\x00\x05\x16\x07")
    (mini / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    result = cli("check", "--content", mini, "--strict")
    assert result.exit_code == 0, result.output


def test_every_file_primer_does_not_read_is_named(mini: Path, cli: Invoke) -> None:
    (mini / "source").mkdir()
    (mini / "source" / "x.yaml").write_text("a: b\n")
    (mini / "topics" / "extra").mkdir()
    (mini / "topics" / "extra" / "x.yaml").write_text("a: b\n")
    (mini / "glossry.yaml").write_text("a: b\n")
    (mini / "questions" / "x.YAML").write_text("a: b\n")
    result = cli("check", "--content", mini)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "content/glossry.yaml:1:1: warning: primer does not read this file — did you mean 'glossary.yaml'?",
        "content/questions/x.YAML:1:1: warning: primer does not read this file — rename it to end in '.yaml' (x.yaml)",
        "content/source/x.yaml:1:1: warning: primer does not read this file — did you mean the folder 'sources/'?",
        "content/topics/extra/x.yaml:1:1: warning: primer does not read this file — "
        "primer reads only the .yaml files directly in topics/: move it there, or remove it",
    ]
    assert cli("check", "--content", mini, "--strict").exit_code == 1


# --------------------------------------------------------------------------- check and build agree


@pytest.mark.parametrize(
    ("form", "link"),
    [
        ("title", '[the radar](term:nope "a title")'),
        ("autolink", "<term:nope>"),
        ("angle", "[the radar](<term:nope>)"),
        ("reference", "[the radar][r] here.\n\n      [r]: term:nope\n"),
        ("capitalised", "[the radar](Term:nope)"),
        ("plain", "[the radar](term:nope)"),
    ],
)
def test_a_dangling_link_is_found_in_every_markdown_form(
    form: str, link: str, mini: Path, tmp_path: Path, cli: Invoke
) -> None:
    topic = mini / "topics" / "radars.yaml"
    text = "See " + link + ("" if form == "reference" else " here.\n")
    _replace(topic, "    body: |\n", "    body: |\n      Some text first.\n      " + text)
    needle = {"autolink": "See <term:nope>", "reference": "[r]: term:nope"}.get(form, "See [the radar]")
    line = _line_of(topic, needle)
    lines = _fails(cli, "build", "--content", mini, "--out", tmp_path / "site")
    assert lines[0].startswith(f"content/topics/radars.yaml:{line}:"), lines
    assert "no term has the id 'nope'" in lines[0]
    assert not (tmp_path / "site").exists()


def test_a_capitalised_scheme_that_resolves_is_a_working_link(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    topic = mini / "topics" / "radars.yaml"
    _replace(topic, "    body: |\n", "    body: |\n      See [the glossary entry](Term:radar).\n")
    _build(cli, mini, tmp_path / "site")
    page = (tmp_path / "site" / "topics" / "radars" / "index.html").read_text()
    assert 'href="../../glossary/index.html#radar"' in page


def test_a_link_to_a_question_in_no_quiz_is_an_error(mini: Path, cli: Invoke) -> None:
    topic = mini / "topics" / "radars.yaml"
    _replace(topic, "mini-single, mini-tf,", "mini-single,")
    _replace(topic, "    body: |\n", "    body: |\n      Try [this question](question:mini-tf).\n")
    lines = _fails(cli, "check", "--content", mini)
    assert any(
        "the link goes to question 'mini-tf', which is in no topic's quiz and so has no page" in line for line in lines
    ), lines


def test_a_link_in_a_plain_text_field_is_an_error(mini: Path, cli: Invoke) -> None:
    _replace(mini / "actors.yaml", "role: ", "role: See [the radar](term:radar). ")
    result = cli("check", "--content", mini)
    assert result.exit_code == 1, "students would see the brackets"
    assert "shows as typed: only section bodies and question stems are Markdown" in result.stderr


def _question_file(mini: Path, body: str) -> Path:
    path = mini / "questions" / "extra.yaml"
    path.write_text("questions:\n" + textwrap.indent(textwrap.dedent(body), "  "), encoding="utf-8")
    return path


_TESTS = "tests: {terms: [radar]}\nexplanation: Because.\ndifficulty: 1\nobjective: radars-explain\n"


@pytest.mark.parametrize(
    ("case", "body", "where", "words"),
    [
        (
            "cloze-stray-open",
            "- id: c1\n  type: cloze\n  stem: The [[ radar is [[where]].\n  blanks: [{id: where, accept: [Japan]}]\n",
            "3:9",
            "'[[' in the stem is not a blank marker",
        ),
        (
            "cloze-capitalised-marker",
            "- id: c1\n  type: cloze\n  stem: The radar is in [[Japan]] at [[where]].\n"
            "  blanks: [{id: where, accept: [Kyogamisaki]}]\n",
            "3:9",
            "'[[Japan]]' in the stem is not a blank marker",
        ),
        (
            "numeric-nan",
            "- id: n1\n  type: numeric\n  stem: How many?\n  answer: .nan\n",
            "5:11",
            "should be a finite number, not nan",
        ),
        ("numeric-inf", "- id: n1\n  type: numeric\n  stem: How many?\n  answer: .inf\n", "5:11", "finite number"),
        ("numeric-huge", "- id: n1\n  type: numeric\n  stem: How many?\n  answer: 1e400\n", "5:11", "finite number"),
        (
            "tolerance-inf",
            "- id: n1\n  type: numeric\n  stem: How many?\n  answer: 2\n  tolerance: .inf\n",
            "6:14",
            "finite number",
        ),
        (
            "generated-id",
            "- id: gen-term-abc\n  type: true-false\n  stem: True?\n  answer: true\n"
            "  feedback_true: Yes.\n  feedback_false: No.\n",
            "2:7",
            "the id 'gen-term-abc' starts with 'gen-', which is reserved for generated questions",
        ),
        (
            "matching-same-left",
            "- id: m1\n  type: matching\n  stem: Match.\n  pairs:\n    - {left: Radar, right: Sees}\n"
            "    - {left: Radar, right: Shoots}\n",
            "5:3",
            "a matching question's left-hand prompts must differ; repeated: Radar",
        ),
    ],
)
def test_question_inputs_the_build_choked_on_are_errors_at_their_line(
    case: str, body: str, where: str, words: str, mini: Path, cli: Invoke
) -> None:
    lines = body.splitlines(keepends=True)
    path = _question_file(
        mini, "".join([*lines[:3], *(f"  {line}" for line in _TESTS.splitlines(keepends=True)), *lines[3:]])
    )
    result = cli("check", "--content", mini)
    assert result.exit_code == 1, (case, result.output, path.read_text())
    first = "content/questions/extra.yaml:"
    hits = [line for line in result.stderr.splitlines() if line.startswith(first) and words in line]
    assert hits, (case, result.stderr, path.read_text())
    assert "Traceback" not in result.output


@pytest.mark.parametrize("reserved", ["index", "compare"])
def test_a_source_id_that_is_a_page_of_the_site_is_refused(reserved: str, mini: Path, cli: Invoke) -> None:
    source = mini / "sources" / "mini-source.yaml"
    text = source.read_text(encoding="utf-8").replace("mini-source", reserved)
    source.write_text(text, encoding="utf-8")
    for path in [*mini.rglob("*.yaml")]:
        path.write_text(path.read_text(encoding="utf-8").replace("mini-source", reserved), encoding="utf-8")
    lines = _fails(cli, "check", "--content", mini)
    assert any(f"the source id '{reserved}' is reserved" in line for line in lines), lines


def test_the_topic_id_all_is_reserved(mini: Path, cli: Invoke) -> None:
    _replace(mini / "topics" / "radars.yaml", "id: radars\n", "id: all\n")
    lines = _fails(cli, "check", "--content", mini)
    assert "the topic id 'all' is reserved: on the command line '--topic all' means every topic" in lines[0]


def test_year_zero_is_not_a_date(mini: Path, cli: Invoke) -> None:
    source = mini / "sources" / "mini-source.yaml"
    text = source.read_text(encoding="utf-8")
    import re

    text = re.sub(r"(\n  date: )\S+", r"\1'0000'", text, count=1)
    source.write_text(text, encoding="utf-8")
    lines = _fails(cli, "check", "--content", mini)
    assert any("'0000' has year 0, which the calendar does not have" in line for line in lines), lines


def test_the_calendars_last_year_builds(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    """An event in December 9999 (the timeline's axis ended on 1 January of the year after) and 'as of December
    9999' in a topic (the report took the month's last day for the day before the next month's first): check
    called both ok, and stopped on the second as a bug; the build stopped on both."""
    _replace(mini / "timeline.yaml", "'2020-06-15'", "'9999-12'")
    topic = mini / "topics" / "radars.yaml"
    _replace(topic, "Radars see missiles from far away.", "As of December 9999, radars see far.")
    assert cli("check", "--content", mini).exit_code == 0
    out = tmp_path / "site"
    assert "built" in _build(cli, mini, out, "--no-pdf")
    timeline = (out / "timeline" / "index.html").read_text(encoding="utf-8")
    assert "9999" in timeline and "2006" in timeline


def test_a_long_expansion_builds(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    """A paragraph pasted into a term's `expansion` (720 characters): the pattern of the glossary's names was
    made by a function that called itself once per letter, which ran past Python's limit on recursion at about
    480 letters, so check stopped with "a bug in primer". Letters that no other name shares are now written
    out in one go."""
    long = "Terminal High Altitude Area Defense, " * 20
    _replace(mini / "glossary.yaml", "expansion: Terminal High Altitude Area Defense", f"expansion: {long.strip()}")
    assert cli("check", "--content", mini).exit_code == 0
    out = tmp_path / "site"
    assert "built" in _build(cli, mini, out, "--no-pdf")
    assert long.strip() in (out / "glossary" / "index.html").read_text(encoding="utf-8")


def test_a_staleness_limit_before_the_calendars_first_year_is_its_first_day() -> None:
    """A lesson whose latest date is in year 3 has nothing five years older: not a date before year 1."""
    import datetime as dt

    from primer.report.staleness import _years_before

    assert _years_before(dt.date(3, 5, 1), 5) == dt.date.min
    assert _years_before(dt.date(2024, 2, 29), 5) == dt.date(2019, 2, 28)


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (
            "language: en",
            "language: no",
            "language: YAML read no as a true/false value, not as text — put it in quotes: 'no'",
        ),
        (
            "title: Mini Lesson",
            "title: 2017",
            "title: YAML read 2017 as a number, not as text — put it in quotes: '2017'",
        ),
        ("id: radars\n", "id: 2017\n", "id: YAML read 2017 as a number, not as text — put it in quotes: '2017'"),
    ],
)
def test_yaml_scalars_that_are_not_text_say_so(old: str, new: str, words: str, mini: Path, cli: Invoke) -> None:
    _replace(mini / ("topics/radars.yaml" if old.startswith("id:") else "site.yaml"), old, new)
    lines = _fails(cli, "check", "--content", mini)
    assert any(words in line for line in lines), lines


def test_script_json_cannot_end_its_script_element(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    _question_file(
        mini,
        "- id: s1\n  type: single\n  stem: Which?\n"
        + "".join(f"  {line}" for line in _TESTS.splitlines(keepends=True))
        + "  choices:\n"
        "    - {text: 'A <!-- comment', correct: true, feedback: 'Yes <script>alert(1)</script>'}\n"
        "    - {text: 'B & </script>', feedback: No.}\n"
        # option texts are on the page once, as HTML; typed answers are in the script data
        "- id: s2\n  type: short\n  stem: Which?\n"
        + "".join(f"  {line}" for line in _TESTS.splitlines(keepends=True))
        + "  accept: ['A <!-- comment', 'B & </script>']\n",
    )
    _replace(mini / "topics" / "radars.yaml", "mini-single, mini-tf,", "mini-single, s1, s2, mini-tf,")
    _build(cli, mini, tmp_path / "site")
    page = (tmp_path / "site" / "topics" / "radars" / "quiz.html").read_text()
    for script in page.split("<script")[1:]:
        body = script.split("</script>", 1)[0]
        assert "<!--" not in body and "<script" not in body
    assert "\\u003c!--" in page


def test_nesting_the_markdown_reader_cuts_is_found_exactly() -> None:
    """`cut_at` names a line exactly when the pages' Markdown reader (markdown-it's `maxNesting`) would drop text
    that a reader without the limit shows: random nestings of quotes and lists, some written with tabs."""
    import random
    import re

    from markdown_it import MarkdownIt

    from primer.render.markdown import _MD, cut_at

    unlimited = MarkdownIt("commonmark", {"html": False, "typographer": False, "maxNesting": 500})
    rng = random.Random(5)
    found = 0
    for _ in range(1500):
        lines, prefix = ["Where?", ""], ""
        for depth in range(rng.randint(0, 30)):
            marker = rng.choice(["> ", ">", "- ", "1. ", "* ", "\t- ", "- - "])
            if marker.startswith(">"):
                prefix += marker
                lines.append(f"{prefix}quote {depth}")
            else:
                lines.append(f"{prefix}{marker}item {depth}")
                prefix += "\t" if marker == "\t- " else " " * len(marker)
            if rng.random() < 0.2:
                lines.append("")
        text = "\n".join([*lines, "", "after the lists"])
        cut = cut_at(text)
        assert (cut is not None) == (_MD.render(text) != unlimited.render(text)), text
        if cut is not None:  # the line named is one the reader drops
            found += 1
            label = re.search(r"(?:quote|item) \d+", text.splitlines()[cut])
            assert label is not None, (cut, text)
            shown = re.compile(rf"{label.group(0)}\b")
            assert shown.search(unlimited.render(text)) and not shown.search(_MD.render(text)), (cut, text)
    assert 100 < found < 1400, found
