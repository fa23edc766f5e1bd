# SPDX-License-Identifier: MIT
"""Every file xform writes is replaced whole or not at all, and a write
that fails fails the command: compiled SQL, manifest.json and
run_results.json on a full disk (a small tmpfs mounted on target/, when
this sandbox lets us mount) and past a file size limit (RLIMIT_FSIZE:
works without privileges; as root, permissions would not stop a write).
Each test checks the exit code, the message naming the file with its
strerror, that nothing in target/ is empty or a leftover temporary file,
and that the previous artifacts are byte for byte what they were."""

import json
import os
import resource
import signal
import subprocess
import uuid

import pytest

from conftest import SANITIZER_REPORTS, Result, xform_path

EFBIG = os.strerror(27)   # "File too large"
ENOSPC = os.strerror(28)  # "No space left on device"
HINT = "it was not replaced: what is there is from an earlier invocation"


def run_limited(project, *args, fsize, ignore_sigxfsz=True):
    """xform with a file size limit of `fsize` bytes: a write past it fails
    with EFBIG (SIGXFSZ ignored, as the issue asks; xform ignores it too)."""
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN if ignore_sigxfsz else signal.SIG_DFL)
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    cmd = [str(xform_path()), args[0], "--project-dir", str(project.dir), *args[1:]]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "XFORM_", "XF_"))}
    env.update({"HOME": str(project.home), "LC_ALL": "C.UTF-8", "NO_COLOR": "1"})
    proc = subprocess.run(cmd, cwd=project.cwd, env=env, capture_output=True, text=True,
                          errors="replace", timeout=120, stdin=subprocess.DEVNULL,
                          preexec_fn=limit)
    r = Result(cmd, proc)
    for mark in SANITIZER_REPORTS:
        assert mark not in r.err, f"sanitizer report:\n{r}"
    return r


def snapshot(target):
    """{relative path: bytes} of every file under target/."""
    return {str(p.relative_to(target)): p.read_bytes()
            for p in sorted(target.rglob("*")) if p.is_file()}


def assert_clean(target, before=None, keep=("manifest.json", "run_results.json")):
    """No empty file and no temporary file under target/; the files in
    `keep` (and every file of `before` named in it) as they were."""
    files = [p for p in target.rglob("*") if p.is_file()]
    empty = [str(p) for p in files if p.stat().st_size == 0]
    assert not empty, f"empty files left in target/: {empty}"
    tmp = [str(p) for p in files if ".tmp" in p.name]
    assert not tmp, f"temporary files left in target/: {tmp}"
    if before is not None:
        for rel in keep:
            assert (target / rel).read_bytes() == before[rel], f"{rel} changed"


def write_error(path, why):
    return f"error: could not write '{path}': {why}\n  {HINT}"


# ------------------------------------------------------- file size limit
def test_compile_past_file_size_limit(jaffle):
    """compile: the changed model's compiled SQL, manifest.json and
    run_results.json all fail with EFBIG; exit 1, each file named, the old
    files kept whole."""
    jaffle.xform("compile", expect=0)
    target = jaffle.path("target")
    before = snapshot(target)
    compiled = "compiled/jaffle_shop/models/customers.sql"
    assert len(before[compiled]) < 4096
    # a change makes the compiled file larger than the limit
    jaffle.write("models/customers.sql",
                 jaffle.read("models/customers.sql") + "-- " + "x" * 5000 + "\n")

    r = run_limited(jaffle, "compile", fsize=4096)
    assert r.rc == 1, r
    assert f"could not write '{target / compiled}': {EFBIG}" in r.err, r
    assert write_error(target / "manifest.json", EFBIG) in r.err, r
    assert write_error(target / "run_results.json", EFBIG) in r.err, r
    assert_clean(target, before, keep=("manifest.json", "run_results.json", compiled))
    assert "could not write artifacts" not in r.text

    # with room again the same command succeeds and replaces them
    jaffle.xform("compile", expect=0)
    assert "x" * 5000 in jaffle.read(f"target/{compiled}")
    assert jaffle.path("target/manifest.json").read_bytes() != before["manifest.json"]


def test_parse_past_file_size_limit_is_load_time(jaffle):
    """parse only loads: a manifest it cannot write is exit 2."""
    jaffle.xform("parse", expect=0)
    target = jaffle.path("target")
    before = snapshot(target)
    # a parse that must write (see test_file_size_limit_does_not_kill_xform)
    r = run_limited(jaffle, "parse", "--no-partial-parse", fsize=1024)
    assert r.rc == 2, r
    assert write_error(target / "manifest.json", EFBIG) in r.err, r
    assert_clean(target, before, keep=("manifest.json",))


def test_file_size_limit_does_not_kill_xform(jaffle):
    """Without SIGXFSZ ignored by the caller (a plain `ulimit -f`), xform
    still gets EFBIG and reports it instead of being killed mid-write."""
    jaffle.xform("compile", expect=0)
    target = jaffle.path("target")
    before = snapshot(target)
    # --no-partial-parse: a compile that must write (with nothing changed the
    # partial-parse cache would replay the first compile and write nothing)
    r = run_limited(jaffle, "compile", "--no-partial-parse", fsize=2048, ignore_sigxfsz=False)
    assert r.rc == 1, r  # not -SIGXFSZ
    assert write_error(target / "manifest.json", EFBIG) in r.err, r
    assert_clean(target, before)


# ------------------------------------------------------------- full disk
@pytest.fixture
def small_target(jaffle):
    """target/ on its own 1 MB tmpfs (skipped where mounting is not allowed)."""
    target = jaffle.path("target")
    target.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=755",
                           f"xform-test-{uuid.uuid4().hex[:8]}", str(target)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def fill(target):
    """Uses up every free byte of the file system target/ is on."""
    fd = os.open(target / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (65536, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as e:
                assert e.errno == 28, e
    finally:
        os.close(fd)
    assert os.statvfs(target).f_bavail == 0


def test_build_on_full_disk(jaffle, small_target):
    """build on a full target/: the changed model is an error naming its
    compiled file (it is not run, its 3 tests are skipped), the artifacts
    are named, exit 1, the previous manifest and run_results are intact,
    nothing is empty."""
    jaffle.xform("build", expect=0)
    target = small_target
    before = snapshot(target)
    marker = "select count(*) from pragma_table_info('customers') where name = 'marker'"
    assert jaffle.scalar(marker) == 0
    fill(target)
    jaffle.write("models/customers.sql",
                 jaffle.read("models/customers.sql").replace(
                     "select * from final", "select *, 1 as marker from final"))

    r = jaffle.xform("build", "--select", "customers", expect=1)
    compiled = target / "compiled/jaffle_shop/models/customers.sql"
    assert f"could not write '{compiled}': {ENOSPC}" in r.out, r
    assert r.summary() == {"PASS": 0, "WARN": 0, "ERROR": 1, "SKIP": 3, "TOTAL": 4}, r
    assert write_error(target / "manifest.json", ENOSPC) in r.err, r
    assert write_error(target / "run_results.json", ENOSPC) in r.err, r
    # the failure is the last thing said, after the summary
    assert r.err.rstrip().endswith("run again"), r
    (target / "filler").unlink()
    assert_clean(target, before, keep=("manifest.json", "run_results.json",
                                       "compiled/jaffle_shop/models/customers.sql"))
    # the model whose SQL could not be written was not rebuilt
    assert jaffle.scalar(marker) == 0

    # with room again the same build succeeds
    jaffle.xform("build", expect=0)
    assert jaffle.scalar(marker) == 1
    old_id = json.loads(before["run_results.json"])["metadata"]["invocation_id"]
    assert jaffle.json("target/run_results.json")["metadata"]["invocation_id"] != old_id


def test_compile_on_full_disk(jaffle, small_target):
    """compile used to print 'could not write artifacts' and exit 0."""
    jaffle.xform("compile", expect=0)
    target = small_target
    before = snapshot(target)
    fill(target)
    # a compile that must write (see test_file_size_limit_does_not_kill_xform)
    r = jaffle.xform("compile", "--no-partial-parse", expect=1)
    assert write_error(target / "manifest.json", ENOSPC) in r.err, r
    assert write_error(target / "run_results.json", ENOSPC) in r.err, r
    (target / "filler").unlink()
    assert_clean(target, before)


def test_docs_generate_past_file_size_limit(jaffle_built):
    """docs generate: the manifest it cannot write is named, exit 1, and the
    catalog and site of the previous docs generate are left as they were."""
    jaffle = jaffle_built
    jaffle.xform("docs", "generate", expect=0)
    target = jaffle.path("target")
    before = snapshot(target)
    assert len(before["manifest.json"]) > 40000 > jaffle.db_path().stat().st_size
    r = run_limited(jaffle, "docs", "generate", fsize=40000)
    assert r.rc == 1, r
    assert write_error(target / "manifest.json", EFBIG) in r.err, r
    assert_clean(target, before, keep=("manifest.json", "run_results.json", "catalog.json",
                                       "index.html"))
