# SPDX-License-Identifier: MIT
"""Fixtures for the end-to-end tests: copy a project into a temporary
folder, run the real xform binary on it, read the SQLite files it wrote.

The binary is $XFORM_BIN (meson sets it), else build/xform in the repo.
$XFORM_WRAPPER (e.g. "valgrind --error-exitcode=97 -q") is put in front
of every xform command. Each command runs with HOME set to an empty
folder and the current directory set to another one, so that no
profiles.yml of the machine is found and nothing depends on where the
tests are started from.
"""

import hashlib
import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from jaffle import Expected  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
FIXTURES = REPO / "fixtures"
PENDING_FILE = Path(__file__).resolve().parent / "pending.txt"

VALGRIND_EXIT = 97
SANITIZER_REPORTS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "ERROR: UndefinedBehaviorSanitizer", "Invalid read of size",
                     "Invalid write of size", "definitely lost in")
ESC = "\x1b"

SUMMARY_RE = re.compile(
    r"Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)(?: NO-OP=(\d+))? TOTAL=(\d+)")


# ---------------------------------------------------------------- features
def _pending():
    """Entries of pending.txt: {entry: reason}. Their tests are expected to
    fail (strict xfail: a test that starts passing fails until its entry
    is removed, so the list never goes stale)."""
    names = {}
    if PENDING_FILE.exists():
        for raw in PENDING_FILE.read_text().splitlines():
            line = raw.split("#", 1)[0].strip()
            if line:
                names[line] = raw.split("#", 1)[1].strip() if "#" in raw else "in progress"
    return names


def _pending_entry(pending, item):
    """The entry of pending.txt that covers a test: its feature ('errors'
    covers 'errors.cycle' too) or its test id ('test_x.py::test_y')."""
    for mark in item.iter_markers("feature"):
        feature = mark.args[0]
        for entry in pending:
            if feature == entry or feature.startswith(entry + "."):
                return entry
    for entry in pending:
        if "::" in entry and item.nodeid.endswith(entry):
            return entry
    return None


def pytest_configure(config):
    config.addinivalue_line("markers", "feature(name): the xform feature a test needs")


_PENDING_OF = {}    # nodeid -> pending entry
_PENDING_SEEN = {}  # entry -> [tests passing now, tests still failing]


def pytest_collection_modifyitems(config, items):
    pending = _pending()
    for item in items:
        entry = _pending_entry(pending, item)
        if entry:
            _PENDING_OF[item.nodeid] = entry
            item.add_marker(pytest.mark.xfail(
                reason=f"pending '{entry}': {pending[entry]}", strict=True))


def pytest_runtest_logreport(report):
    entry = _PENDING_OF.get(report.nodeid)
    if not entry or report.when != "call" and report.outcome != "failed":
        return
    seen = _PENDING_SEEN.setdefault(entry, [0, 0])
    if report.outcome == "failed" and "XPASS(strict)" in str(report.longrepr):
        seen[0] += 1
    elif report.when == "call":
        seen[1] += 1


def pytest_terminal_summary(terminalreporter):
    """Says which pending.txt entries have tests that pass now."""
    ready = {e: s for e, s in _PENDING_SEEN.items() if s[0]}
    if not ready:
        return
    terminalreporter.section("pending.txt is out of date")
    for entry, (passing, failing) in sorted(ready.items()):
        what = "remove the line" if not failing else "narrow it to what still fails"
        terminalreporter.write_line(
            f"'{entry}': {passing} of {passing + failing} tests pass now: {what}")


# ---------------------------------------------------------------- running
def xform_path():
    raw = os.environ.get("XFORM_BIN") or str(REPO / "build" / "xform")
    p = Path(raw)
    return p if p.is_absolute() else (REPO / p)


class Result:
    def __init__(self, args, proc):
        self.args = args
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr
        self.text = proc.stdout + proc.stderr

    def summary(self):
        """The `Done. PASS=.. WARN=.. ERROR=.. SKIP=.. TOTAL=..` counts."""
        m = SUMMARY_RE.search(self.text)
        assert m, f"no 'Done. PASS=... TOTAL=...' summary in output:\n{self}"
        keys = ["PASS", "WARN", "ERROR", "SKIP", "NO-OP", "TOTAL"]
        return {k: int(v) for k, v in zip(keys, m.groups()) if v is not None}

    def __str__(self):
        return (f"$ {' '.join(map(shlex.quote, self.args))}\n[exit {self.rc}]\n"
                f"--- stdout ---\n{self.out}--- stderr ---\n{self.err}")


def run_xform(args, cwd, home, env=None, expect=None, timeout=None, tty=False):
    """Runs xform with `args`; asserts no sanitizer or valgrind report and,
    when `expect` is given, the exit code."""
    wrapper = shlex.split(os.environ.get("XFORM_WRAPPER", ""))
    cmd = wrapper + [str(xform_path())] + [str(a) for a in args]
    e = {k: v for k, v in os.environ.items()
         if not k.startswith(("DBT_", "XFORM_", "XF_")) and k not in (
             "NO_COLOR", "FORCE_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "PGPASSWORD",
             "PGSERVICE", "PGSERVICEFILE")}
    e.update({"HOME": str(home), "TERM": "xterm-256color", "LC_ALL": "C.UTF-8"})
    if env:
        e.update(env)
    if timeout is None:
        timeout = 600 if wrapper else 120
    if tty:
        proc = _run_on_tty(cmd, cwd, e, timeout)
    else:
        proc = subprocess.run(cmd, cwd=cwd, env=e, capture_output=True, text=True,
                              errors="replace", timeout=timeout, stdin=subprocess.DEVNULL)
    r = Result(cmd, proc)
    for mark in SANITIZER_REPORTS:
        assert mark not in r.err, f"sanitizer/valgrind report:\n{r}"
    assert not (wrapper and r.rc == VALGRIND_EXIT), f"valgrind found errors:\n{r}"
    assert r.rc >= 0, f"xform was killed by signal {-r.rc}:\n{r}"
    if expect is not None:
        assert r.rc == expect, f"expected exit {expect}, got {r.rc}:\n{r}"
    return r


def _run_on_tty(cmd, cwd, env, timeout):
    """Runs cmd with stdout and stderr on a pseudo-terminal; returns an
    object shaped like CompletedProcess (stderr merged into stdout)."""
    import pty
    import select

    master, slave = pty.openpty()
    try:
        p = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=slave,
                             stderr=slave, close_fds=True)
        os.close(slave)
        slave = -1
        chunks = []
        while True:
            ready, _, _ = select.select([master], [], [], timeout)
            if not ready:
                p.kill()
                raise TimeoutError(f"{cmd} did not finish in {timeout}s")
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the other side is closed
                break
            if not data:
                break
            chunks.append(data)
        p.wait(timeout=timeout)
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    out = b"".join(chunks).decode("utf-8", "replace")
    return subprocess.CompletedProcess(cmd, p.returncode, out, "")


# ---------------------------------------------------------------- projects
IGNORE = shutil.ignore_patterns("target", "logs", "*.db", "*.db-journal", "*.db-wal",
                                "__pycache__", "expect.json")


class Project:
    """A copy of a project in a temporary folder."""

    def __init__(self, root, home, cwd):
        self.dir = Path(root)
        self.home = home
        self.cwd = cwd
        m = re.search(r"^name:\s*['\"]?([A-Za-z0-9_]+)", (self.dir / "dbt_project.yml").read_text(),
                      re.M)
        self.name = m.group(1)

    # -- running
    def xform(self, command, *args, expect=None, env=None, tty=False, project_dir=True):
        """`xform <command> --project-dir <copy> <args>`."""
        argv = [command]
        if project_dir:
            argv += ["--project-dir", str(self.dir)]
        argv += list(args)
        return run_xform(argv, cwd=self.cwd, home=self.home, env=env, expect=expect, tty=tty)

    # -- files
    def path(self, rel):
        return self.dir / rel

    def read(self, rel):
        return (self.dir / rel).read_text()

    def write(self, rel, text):
        p = self.dir / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)

    def edit(self, rel, old, new):
        text = self.read(rel)
        assert old in text, f"{rel} has no {old!r}"
        self.write(rel, text.replace(old, new, 1))

    def json(self, rel):
        return json.loads(self.read(rel))

    # -- the SQLite warehouse
    def db_path(self, schema="main"):
        """main is <project>.db in the project folder; another schema is
        <schema>.db beside it."""
        return self.dir / (f"{self.name}.db" if schema == "main" else f"{schema}.db")

    def db_files(self):
        return sorted(p.name for p in self.dir.glob("*.db"))

    def db_digest(self):
        """sha256 of every .db file (to prove a command changed nothing)."""
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(self.dir.glob("*.db"))}

    def connect(self, schema="main"):
        path = self.db_path(schema)
        assert path.exists(), f"no database file {path.name}; files: {os.listdir(self.dir)}"
        # read-only, so that a test never creates or changes the file
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def query(self, sql, params=(), schema="main"):
        """Rows of a query, and the column names."""
        con = self.connect(schema)
        try:
            cur = con.execute(sql, params)
            cols = [d[0] for d in cur.description] if cur.description else []
            return cur.fetchall(), cols
        finally:
            con.close()

    def rows(self, sql, params=(), schema="main"):
        return self.query(sql, params, schema)[0]

    def scalar(self, sql, params=(), schema="main"):
        rows = self.rows(sql, params, schema)
        assert len(rows) == 1 and len(rows[0]) == 1, rows
        return rows[0][0]

    def relation_kind(self, name, schema="main"):
        """'table', 'view' or None, from sqlite_master."""
        rows = self.rows("select type from sqlite_master where name = ? and type in "
                         "('table', 'view')", (name,), schema)
        return rows[0][0] if rows else None

    def relations(self, schema="main"):
        return {n: t for n, t in self.rows(
            "select name, type from sqlite_master where type in ('table', 'view') "
            "and name not like 'sqlite_%'", schema=schema)}


@pytest.fixture(scope="session")
def xform_bin():
    p = xform_path()
    if not (p.is_file() and os.access(p, os.X_OK)):
        pytest.fail(f"no xform binary at {p}: build it (ninja -C build) or set XFORM_BIN")
    return p


@pytest.fixture
def sandbox(tmp_path):
    home = tmp_path / "home"
    cwd = tmp_path / "elsewhere"
    home.mkdir()
    cwd.mkdir()
    return tmp_path, home, cwd


@pytest.fixture
def make_project(sandbox, xform_bin):
    """make_project('jaffle_shop') or make_project('errors/cycle'): a copy
    of examples/<name> or fixtures/<name>."""
    tmp, home, cwd = sandbox

    def make(name):
        src = EXAMPLES / name
        if not src.is_dir():
            src = FIXTURES / name
        assert src.is_dir(), f"no project {name} under examples/ or fixtures/"
        dst = tmp / "projects" / Path(name).name
        shutil.copytree(src, dst, ignore=IGNORE)
        return Project(dst, home, cwd)

    return make


@pytest.fixture
def run_in_sandbox(sandbox, xform_bin):
    """Runs xform with arbitrary arguments (no --project-dir added)."""
    tmp, home, cwd = sandbox

    def run(*args, expect=None, env=None, tty=False):
        return run_xform(list(args), cwd=cwd, home=home, env=env, expect=expect, tty=tty)

    return run


@pytest.fixture
def jaffle(make_project):
    return make_project("jaffle_shop")


@pytest.fixture
def jaffle_built(jaffle):
    """jaffle_shop after a successful `seed` and `run`."""
    jaffle.xform("seed", expect=0)
    jaffle.xform("run", expect=0)
    return jaffle


@pytest.fixture(scope="session")
def expected():
    return Expected(EXAMPLES / "jaffle_shop" / "seeds")


@pytest.fixture
def pg_conninfo():
    """The test PostgreSQL server (scripts/test starts one). Skipped when
    there is none, except in CI, where that is a failure."""
    from warehouse import pg_or_skip
    return pg_or_skip()


# ---------------------------------------------------------------- diagnostics
DIAG_RE = re.compile(r"^(?P<path>\S+?):(?P<line>\d+):(?P<col>\d+): error: (?P<msg>.+)$")
SRC_RE = re.compile(r"^ (?P<num>\d+) \| (?P<text>.*)$")
CARET_RE = re.compile(r"^ (?P<pad> *) \| (?P<lead>[ \t]*)\^(?P<tilde>~*)\s*$")


class Diag:
    def __init__(self, path, line, col, msg, src_line, caret_col, caret_len):
        self.path, self.line, self.col, self.msg = path, line, col, msg
        self.src_line, self.caret_col, self.caret_len = src_line, caret_col, caret_len

    def __repr__(self):
        return f"{self.path}:{self.line}:{self.col}: {self.msg!r}"


def parse_diags(text):
    """Every `path:line:col: error: msg` block with its source and caret
    lines (a block without both is reported with src_line None)."""
    lines = text.splitlines()
    found = []
    for i, ln in enumerate(lines):
        m = DIAG_RE.match(ln)
        if not m:
            continue
        src_line = caret_col = caret_len = None
        if i + 2 < len(lines):
            s = SRC_RE.match(lines[i + 1])
            c = CARET_RE.match(lines[i + 2])
            if s and c and int(s.group("num")) == int(m.group("line")) and \
                    len(c.group("pad")) == len(s.group("num")):
                src_line = s.group("text")
                caret_col = len(c.group("lead")) + 1
                caret_len = 1 + len(c.group("tilde"))
        found.append(Diag(m.group("path"), int(m.group("line")), int(m.group("col")),
                          m.group("msg"), src_line, caret_col, caret_len))
    return found


def path_matches(shown, rel):
    """A diagnostic path names `rel` when it is rel or ends in /rel."""
    shown = shown.replace("\\", "/")
    return shown == rel or shown.endswith("/" + rel)
