# SPDX-License-Identifier: MIT
"""`xform deps` as `dbt deps`: local, git (tag, commit, subdirectory),
tarball and hub packages (a hub in dbt's API layout served by this test
on 127.0.0.1), transitive version ranges, package-lock.yml and its
reuse, --upgrade, --lock, clean, and every bad input with its message.
The machine has no internet: every package is made here."""

import functools
import http.server
import io
import json
import os
import shutil
import subprocess
import tarfile
import threading
import time
from pathlib import Path

import pytest

from conftest import Project, parse_diags

pytestmark = pytest.mark.feature("deps")

REPO = Path(__file__).resolve().parents[2]
# dbt-utils as published, in the shared folder beside the clone (CI lays it
# there) or beside the worktrees' folder
DBT_UTILS = next((p for p in (REPO.parent / "shared" / "packages" / "dbt-utils",
                              REPO.parent.parent / "shared" / "packages" / "dbt-utils")
                  if p.is_dir()), REPO.parent / "shared" / "packages" / "dbt-utils")


# ---------------------------------------------------------------- helpers
def write_package(root, name, body, packages=None):
    """A package folder: dbt_project.yml named `name`, one macro whose
    text is `body`, and an optional packages.yml."""
    root = Path(root)
    (root / "macros").mkdir(parents=True, exist_ok=True)
    (root / "dbt_project.yml").write_text(f"name: {name}\nversion: '1.0.0'\nconfig-version: 2\n")
    (root / "macros" / f"{name}.sql").write_text(
        f"{{% macro {name}_says() %}}{body}{{% endmacro %}}\n")
    if packages is not None:
        (root / "packages.yml").write_text(packages)
    return root


def macro_text(project, name):
    return project.read(f"dbt_packages/{name}/macros/{name}.sql")


def git(cwd, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def make_repo(root):
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    return root


def commit(repo, message):
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


class Hub:
    """A package hub on 127.0.0.1 in dbt's layout: api/v1/<owner>/<name>.json
    lists the versions, each with its project name, its own packages and
    the URL of its tarball (one top folder, as GitHub archives are)."""

    def __init__(self, root):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.requests = []
        hub = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, fmt, *args):
                hub.requests.append(self.path)

        handler = functools.partial(Handler, directory=str(self.root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def tarball(self, rel, top, project_name, body, packages=None):
        """Writes a .tar.gz of a package under the served folder; its URL."""
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            files = {
                "dbt_project.yml": f"name: {project_name}\nversion: '1.0.0'\n",
                f"macros/{project_name}.sql":
                    f"{{% macro {project_name}_says() %}}{body}{{% endmacro %}}\n",
            }
            if packages:
                files["packages.yml"] = packages
            for path, text in files.items():
                data = text.encode()
                info = tarfile.TarInfo(f"{top}/{path}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        dest = self.root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(buf.getvalue())
        return self.url + rel

    def add(self, package, version, project_name, body, packages=()):
        """Publishes `package` (owner/name) at `version`."""
        owner, name = package.split("/")
        url = self.tarball(f"tarballs/{owner}-{name}-{version}.tar.gz", f"{name}-{version}",
                           project_name, body)
        index = self.root / "api" / "v1" / owner / f"{name}.json"
        doc = json.loads(index.read_text()) if index.exists() else {
            "name": name, "namespace": owner, "latest": version, "versions": {}}
        doc["versions"][version] = {"name": project_name, "packages": list(packages),
                                    "downloads": {"tarball": url}}
        index.parent.mkdir(parents=True, exist_ok=True)
        index.write_text(json.dumps(doc))
        listing = self.root / "api" / "v1" / "index.json"
        names = set(json.loads(listing.read_text())) if listing.exists() else set()
        listing.write_text(json.dumps(sorted(names | {package})))

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def hub(tmp_path):
    h = Hub(tmp_path / "hub")
    yield h
    h.stop()


@pytest.fixture
def proj(sandbox, xform_bin):
    """An empty project `proj` with one model; packages.yml is the test's."""
    tmp, home, cwd = sandbox
    root = tmp / "proj"
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text(
        "name: proj\nversion: '1.0'\nconfig-version: 2\n"
        "clean-targets:\n  - target\n  - dbt_packages\n")
    (root / "models" / "one.sql").write_text("select 1 as x\n")
    return Project(root, home, cwd)


def deps(p, *args, hub=None, expect=0):
    env = {"XFORM_PACKAGE_HUB_URL": hub.url} if hub else None
    return p.xform("deps", *args, expect=expect, env=env)


def lock(p):
    return p.read("package-lock.yml")


def one_error(r):
    """The single located error of a failed run, with nothing installed."""
    diags = parse_diags(r.err)
    assert len(diags) == 1, r
    return diags[0]


# ---------------------------------------------------------------- sources
def test_json_log_lines_carry_dbts_event_names(proj, tmp_path):
    write_package(tmp_path / "alpha", "alpha", "a")
    proj.write("packages.yml", "packages:\n  - local: ../alpha\n")
    r = deps(proj, "--log-format", "json")
    events = [json.loads(line)["info"] for line in r.out.splitlines()]
    assert [(e["name"], e["code"], e["msg"]) for e in events] == [
        ("DepsStartPackageInstall", "M014", "Installing ../alpha"),
        ("DepsInstallInfo", "M015", "Installed from <local @ ../alpha>"),
        ("DepsLockUpdating", "M031",
         f"Updating lock file in file path: {proj.dir}/package-lock.yml")], r


def test_local_package_is_linked_and_locked(proj):
    write_package(proj.dir.parent / "pkgs" / "alpha", "alpha", "hello from alpha")
    proj.write("packages.yml", "packages:\n  - local: ../pkgs/alpha\n")
    r = deps(proj)
    assert "Installing ../pkgs/alpha" in r.out and "Installed from <local @ ../pkgs/alpha>" in r.out
    link = proj.path("dbt_packages/alpha")
    assert link.is_symlink() and os.readlink(link) == "../../pkgs/alpha"
    assert macro_text(proj, "alpha") == \
        "{% macro alpha_says() %}hello from alpha{% endmacro %}\n"
    text = lock(proj)
    assert text.startswith("packages:\n  - local: ../pkgs/alpha\n    name: alpha\nsha1_hash: ")
    # a local package is linked: an edit shows without running deps again
    (proj.dir.parent / "pkgs" / "alpha" / "macros" / "alpha.sql").write_text("changed\n")
    assert macro_text(proj, "alpha") == "changed\n"


def test_git_package_at_a_tag_at_a_commit_and_in_a_subdirectory(proj, tmp_path):
    repo = make_repo(tmp_path / "repos" / "beta")
    write_package(repo, "beta", "beta one")
    write_package(repo / "sub" / "gamma", "gamma", "gamma one")
    first = commit(repo, "one")
    git(repo, "tag", "v1.0")
    write_package(repo, "beta", "beta two")
    second = commit(repo, "two")
    url = f"file://{repo}"

    proj.write("packages.yml", f"packages:\n  - git: {url}\n    revision: v1.0\n"
                               f"  - git: {repo}\n    revision: {second}\n"
                               f"    subdirectory: sub/gamma\n")
    r = deps(proj)
    assert f"Installed from revision {first}" in r.out, r
    assert "and subdirectory sub/gamma" in r.out
    assert macro_text(proj, "beta") == "{% macro beta_says() %}beta one{% endmacro %}\n"
    assert macro_text(proj, "gamma") == "{% macro gamma_says() %}gamma one{% endmacro %}\n"
    assert not proj.path("dbt_packages/beta/.git").exists(), "an install is a snapshot"
    assert not proj.path("dbt_packages/gamma/dbt_project.yml").is_symlink()
    # the lock pins the commit each revision was at
    assert lock(proj).startswith(
        f"packages:\n  - git: {url}\n    name: beta\n    revision: {first}\n"
        f"  - git: {repo}\n    name: gamma\n    revision: {second}\n"
        f"    subdirectory: sub/gamma\nsha1_hash: ")

    # a new revision in packages.yml is resolved again
    proj.write("packages.yml", f"packages:\n  - git: {url}\n    revision: {second}\n")
    r = deps(proj)
    assert macro_text(proj, "beta") == "{% macro beta_says() %}beta two{% endmacro %}\n"
    assert not proj.path("dbt_packages/gamma").exists(), "a package no longer asked for goes"
    assert f"revision: {second}\n" in lock(proj) and "gamma" not in lock(proj)


def test_git_branch_is_warned_as_unpinned_unless_told_not_to(proj, tmp_path):
    repo = make_repo(tmp_path / "repos" / "beta")
    write_package(repo, "beta", "b")
    commit(repo, "one")
    proj.write("packages.yml", f"packages:\n  - git: {repo}\n")
    r = deps(proj)
    d = parse_diags(r.err.replace(": warning: ", ": error: "))
    assert [x.msg for x in d] == [
        f"git package '{repo}' is not pinned, using HEAD (the default branch)"], r
    assert (d[0].path, d[0].line, d[0].col) == ("packages.yml", 2, 5)
    proj.write("packages.yml", f"packages:\n  - git: {repo}\n    revision: main\n"
                               "    warn-unpinned: false\n")
    r = deps(proj)
    assert "warning" not in r.err, r
    assert macro_text(proj, "beta").startswith("{% macro beta_says() %}b{%")


def test_tarball_package_from_a_url(proj, hub):
    url = hub.tarball("files/delta.tar.gz", "delta-main", "delta", "delta body")
    proj.write("packages.yml", f"packages:\n  - tarball: {url}\n    name: delta\n")
    r = deps(proj, hub=hub)
    assert f"Installed from tarball (url: {url})" in r.out
    assert macro_text(proj, "delta") == "{% macro delta_says() %}delta body{% endmacro %}\n"
    assert lock(proj).startswith(f"packages:\n  - name: delta\n    tarball: {url}\nsha1_hash: ")


# ---------------------------------------------------------------- the hub
def publish_pair(hub):
    """acme/utils 1.0.0, 1.2.0, 2.0.0; acme/extra 0.1.0 needs utils >=1.0.0,<2.0.0."""
    for v in ("1.0.0", "1.2.0", "2.0.0"):
        hub.add("acme/utils", v, "acme_utils", f"utils {v}")
    hub.add("acme/extra", "0.1.0", "acme_extra", "extra 0.1.0",
            packages=[{"package": "acme/utils", "version": [">=1.0.0", "<2.0.0"]}])


def test_hub_packages_resolve_transitive_ranges(proj, hub):
    publish_pair(hub)
    proj.write("packages.yml", "packages:\n  - package: acme/extra\n    version: 0.1.0\n"
                               "  - package: acme/utils\n    version: [\">=1.1.0\"]\n")
    r = deps(proj, hub=hub)
    # 2.0.0 is the newest the project allows, but acme/extra needs <2.0.0
    assert macro_text(proj, "acme_utils") == \
        "{% macro acme_utils_says() %}utils 1.2.0{% endmacro %}\n"
    assert macro_text(proj, "acme_extra") == \
        "{% macro acme_extra_says() %}extra 0.1.0{% endmacro %}\n"
    assert "Installed from version 1.2.0" in r.out and "Updated version available: 2.0.0" in r.out
    assert "Updates available for packages: acme/utils; update their versions in packages.yml, " \
        "then run xform deps" in r.out
    assert lock(proj).startswith(
        "packages:\n  - name: acme_extra\n    package: acme/extra\n    version: 0.1.0\n"
        "  - name: acme_utils\n    package: acme/utils\n    version: 1.2.0\nsha1_hash: ")


def test_lock_is_reused_without_the_network_and_upgrade_resolves_again(proj, hub):
    publish_pair(hub)
    proj.write("packages.yml", "packages:\n  - package: acme/utils\n    version: [\">=1.0.0\", "
                               "\"<2.0.0\"]\n")
    deps(proj, hub=hub)
    first_lock = lock(proj)
    assert "version: 1.2.0" in first_lock
    # a new version on the hub: the lock still says 1.2.0, and nothing is fetched
    hub.add("acme/utils", "1.3.0", "acme_utils", "utils 1.3.0")
    hub.requests.clear()
    r = deps(proj, hub=hub)
    assert hub.requests == [], "a matching lock and install need no request"
    assert "Installed from version 1.2.0 (already in place)" in r.out
    assert lock(proj) == first_lock
    # the hub gone: the same run still works
    hub.stop()
    deps(proj, hub=hub)
    assert "utils 1.2.0" in macro_text(proj, "acme_utils")


def test_upgrade_picks_the_newest_allowed_version(proj, hub):
    publish_pair(hub)
    proj.write("packages.yml", "packages:\n  - package: acme/utils\n    version: [\">=1.0.0\", "
                               "\"<2.0.0\"]\n")
    deps(proj, hub=hub)
    hub.add("acme/utils", "1.3.0", "acme_utils", "utils 1.3.0")
    r = deps(proj, "--upgrade", hub=hub)
    assert "Installed from version 1.3.0" in r.out and "version: 1.3.0\n" in lock(proj)
    assert "utils 1.3.0" in macro_text(proj, "acme_utils")


def test_changed_packages_yml_is_resolved_again(proj, hub):
    publish_pair(hub)
    proj.write("packages.yml", "packages:\n  - package: acme/utils\n    version: 1.0.0\n")
    deps(proj, hub=hub)
    assert "utils 1.0.0" in macro_text(proj, "acme_utils")
    proj.write("packages.yml", "packages:\n  - package: acme/utils\n    version: 2.0.0\n")
    deps(proj, hub=hub)
    assert "utils 2.0.0" in macro_text(proj, "acme_utils")
    assert "version: 2.0.0\n" in lock(proj)


def test_lock_only_writes_the_lock(proj, hub):
    publish_pair(hub)
    proj.write("packages.yml", "packages:\n  - package: acme/extra\n    version: 0.1.0\n")
    r = deps(proj, "--lock", hub=hub)
    assert "Installing" not in r.out
    assert not proj.path("dbt_packages").exists()
    assert "    version: 1.2.0\n" in lock(proj) and "acme/extra" in lock(proj)


def test_no_hub_is_one_line_naming_the_url(proj, hub):
    proj.write("packages.yml", "packages:\n  - package: acme/utils\n    version: 1.0.0\n")
    hub.stop()  # nothing listens there any more
    r = deps(proj, hub=hub, expect=1)
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r
    assert lines[0].startswith(
        f"error: cannot reach the package hub at {hub.url}api/v1/acme/utils.json ("), r
    assert lines[0].endswith(
        "): to install 'acme/utils' without it, pin a 'git:' entry with a 'revision:' or a "
        "'tarball:' entry with a 'name:' in packages.yml"), r
    assert not proj.path("dbt_packages").exists() and not proj.path("package-lock.yml").exists()


def test_failed_fetch_leaves_the_previous_install(proj, hub, tmp_path):
    write_package(tmp_path / "alpha", "alpha", "a")
    publish_pair(hub)
    proj.write("packages.yml", "packages:\n  - local: ../alpha\n"
                               "  - package: acme/utils\n    version: 1.0.0\n")
    deps(proj, hub=hub)
    before = lock(proj)
    proj.write("packages.yml", "packages:\n  - local: ../alpha\n"
                               "  - package: acme/utils\n    version: 1.2.0\n"
                               "  - tarball: " + hub.url + "missing.tar.gz\n    name: gone\n")
    r = deps(proj, hub=hub, expect=1)
    assert "HTTP status 404" in r.err, r
    assert "utils 1.0.0" in macro_text(proj, "acme_utils")
    assert proj.path("dbt_packages/alpha").is_symlink()
    assert lock(proj) == before
    assert sorted(os.listdir(proj.path("dbt_packages"))) == [
        ".xform-installed.json", "acme_utils", "alpha"], "no temporary folder is left"


def test_dependencies_yml_is_read_when_it_has_packages(proj, tmp_path):
    write_package(tmp_path / "alpha", "alpha", "a")
    proj.write("dependencies.yml", "packages:\n  - local: ../alpha\n")
    deps(proj)
    assert proj.path("dbt_packages/alpha").is_symlink()
    proj.write("packages.yml", "packages:\n  - local: ../alpha\n")
    r = deps(proj, expect=2)
    d = one_error(r)
    assert (d.path, d.line, d.col, d.msg) == (
        "dependencies.yml", 1, 1,
        "'packages' is given in both packages.yml and dependencies.yml"), r


# ---------------------------------------------------------------- clean
def test_clean_removes_dbt_packages_but_not_linked_sources_or_the_database(proj, tmp_path):
    src = write_package(tmp_path / "alpha", "alpha", "a")
    proj.write("packages.yml", "packages:\n  - local: ../alpha\n")
    deps(proj)  # first: a listed package that is not installed stops run (as dbt)
    proj.xform("run", expect=0)
    db = proj.db_digest()
    assert db, "run made the database file"
    r = proj.xform("clean", expect=0)
    assert "Cleaned dbt_packages" in r.out
    assert not proj.path("dbt_packages").exists()
    assert (src / "macros" / "alpha.sql").exists(), "clean must not follow the link"
    assert proj.db_digest() == db


# ---------------------------------------------------------------- bad input
BAD = [
    ("unknown key",
     "packages:\n  - local: ../alpha\n    revison: v1\n",
     (3, 5, "unknown key 'revison' in a local package entry")),
    ("missing version",
     "packages:\n  - package: acme/utils\n",
     (2, 5, "hub package 'acme/utils' has no version")),
    ("git and local",
     "packages:\n  - git: https://example.com/x.git\n    local: ../alpha\n",
     (3, 5, "package entry has both 'git' and 'local'")),
    ("missing local path",
     "packages:\n  - local: ../nowhere\n",
     (2, 5, "local package path '../nowhere' does not exist")),
    ("no dbt_project.yml",
     "packages:\n  - local: ../not_a_project\n",
     (2, 5, "local package '../not_a_project' has no dbt_project.yml")),
    ("two packages with one name",
     "packages:\n  - local: ../alpha\n  - local: ../alpha_again\n",
     (3, 5, "two packages are named 'alpha': local '../alpha' and local '../alpha_again'")),
    ("bad version",
     "packages:\n  - package: acme/utils\n    version: one\n",
     (3, 14, "'one' is not a version of hub package 'acme/utils'")),
    ("no namespace",
     "packages:\n  - package: dbt_utils\n    version: 1.0.0\n",
     (2, 5, "'dbt_utils' is not a hub package name")),
    ("tarball without name",
     "packages:\n  - tarball: http://127.0.0.1:9/x.tar.gz\n",
     (2, 5, "tarball package 'http://127.0.0.1:9/x.tar.gz' has no name")),
    ("unknown top-level key",
     "packages: []\nextras: 1\n",
     (2, 1, "unknown key 'extras' in packages.yml")),
    ("no source",
     "packages:\n  - version: 1.0.0\n",
     (2, 5, "package entry names no package to install")),
    ("jinja",
     "packages:\n  - git: \"https://{{ env_var('TOKEN') }}@example.com/x.git\"\n",
     (2, 10, "jinja in package entries is not rendered by xform")),
    ("subdirectory outside the repository",
     "packages:\n  - git: https://example.com/x.git\n    subdirectory: ../../etc\n",
     (2, 5, "subdirectory '../../etc' is not a folder inside the repository")),
    ("package named as a path",
     "packages:\n  - local: ../badname\n",
     (2, 5, "local package '../badname' is named '../evil', not a valid project name")),
    ("package named as the project",
     "packages:\n  - local: ../proj_twin\n",
     (2, 5, "package '../proj_twin' has the name of the project, 'proj'")),
]


@pytest.mark.parametrize("case,text,want", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_a_located_error_and_installs_nothing(proj, tmp_path, case, text, want):
    write_package(tmp_path / "alpha", "alpha", "a")
    write_package(tmp_path / "alpha_again", "alpha", "a")
    write_package(tmp_path / "proj_twin", "proj", "a")
    write_package(tmp_path / "badname", "x", "a")
    (tmp_path / "badname" / "dbt_project.yml").write_text("name: ../evil\n")
    (tmp_path / "not_a_project").mkdir()
    proj.write("packages.yml", text)
    r = deps(proj, expect=2)
    d = one_error(r)
    assert (d.path, d.line, d.col, d.msg) == ("packages.yml", *want), r
    assert d.src_line is not None, "the source line and a caret are shown"
    assert "\n  hint: " in r.err
    assert not proj.path("dbt_packages").exists() and not proj.path("package-lock.yml").exists()


def test_version_conflict_names_both_requirers(proj, hub):
    publish_pair(hub)
    proj.write("packages.yml", "packages:\n  - package: acme/extra\n    version: 0.1.0\n"
                               "  - package: acme/utils\n    version: \">=2.0.0\"\n")
    r = deps(proj, hub=hub, expect=2)
    d = one_error(r)
    assert (d.path, d.line, d.col) == ("packages.yml", 4, 5), r
    assert d.msg == ("no version of 'acme/utils' satisfies both the project (>=2.0.0) and "
                     "acme_extra (<2.0.0)"), r
    assert not proj.path("dbt_packages").exists() and not proj.path("package-lock.yml").exists()


def test_range_no_version_satisfies(proj, hub):
    publish_pair(hub)
    proj.write("packages.yml", "packages:\n  - package: acme/utils\n    version: [\">=1.3.0\", "
                               "\"<2.0.0\"]\n")
    r = deps(proj, hub=hub, expect=2)
    d = one_error(r)
    assert (d.path, d.line, d.col) == ("packages.yml", 2, 5), r
    assert d.msg == "no version of 'acme/utils' satisfies >=1.3.0, <2.0.0", r
    assert "  hint: the hub has 1.0.0, 1.2.0, 2.0.0" in r.err


def test_unknown_hub_package(proj, hub):
    proj.write("packages.yml", "packages:\n  - package: acme/nothing\n    version: 1.0.0\n")
    r = deps(proj, hub=hub, expect=2)
    d = one_error(r)
    assert d.msg == (f"package 'acme/nothing' is not on the package hub "
                     f"({hub.url}api/v1/acme/nothing.json)"), r


def test_git_revision_that_does_not_exist(proj, tmp_path):
    repo = make_repo(tmp_path / "repos" / "beta")
    write_package(repo, "beta", "b")
    commit(repo, "one")
    proj.write("packages.yml", f"packages:\n  - git: {repo}\n    revision: v9\n")
    r = deps(proj, expect=2)
    d = one_error(r)
    assert (d.line, d.col, d.msg) == (2, 5, f"git package '{repo}' has no revision 'v9'"), r
    assert not proj.path("dbt_packages").exists()


# ---------------------------------------------------------------- real layout
def test_dbt_utils_integration_tests_install_the_package_above_them(tmp_path, sandbox,
                                                                    xform_bin):
    if not DBT_UTILS.is_dir():
        pytest.skip(f"no dbt-utils in the shared folder ({DBT_UTILS})")
    _, home, cwd = sandbox
    copy = tmp_path / "dbt-utils"
    shutil.copytree(DBT_UTILS, copy)
    for d, _, files in os.walk(copy):  # the source is read-only
        os.chmod(d, 0o755)
        for f in files:
            os.chmod(os.path.join(d, f), 0o644)
    it = Project(copy / "integration_tests", home, cwd)
    r = deps(it)
    assert "Installed from <local @ ../>" in r.out
    installed = it.path("dbt_packages/dbt_utils")
    assert installed.is_symlink() and os.readlink(installed) == "../.."
    star = installed / "macros" / "sql" / "star.sql"
    assert star.read_text() == (DBT_UTILS / "macros" / "sql" / "star.sql").read_text()
    assert "macro star(" in star.read_text()
    assert "  - local: ../\n    name: dbt_utils\n" in it.read("package-lock.yml")


def test_time_of_three_local_and_git_packages(proj, tmp_path):
    """Prints the time `xform deps` takes for one local and two git
    packages (first run: resolve, clone, install; second: the lock)."""
    write_package(tmp_path / "alpha", "alpha", "a")
    repos = []
    for name in ("beta", "gamma"):
        repo = make_repo(tmp_path / "repos" / name)
        write_package(repo, name, name)
        commit(repo, "one")
        git(repo, "tag", "v1")
        repos.append(repo)
    proj.write("packages.yml", "packages:\n  - local: ../alpha\n" + "".join(
        f"  - git: file://{r}\n    revision: v1\n" for r in repos))
    t0 = time.monotonic()
    deps(proj)
    t1 = time.monotonic()
    deps(proj)
    t2 = time.monotonic()
    print(f"\ndeps of 3 packages: first run {t1 - t0:.3f}s, with the lock {t2 - t1:.3f}s")
    assert sorted(os.listdir(proj.path("dbt_packages"))) == [
        ".xform-installed.json", "alpha", "beta", "gamma"]


# ---------------------------------------------------------------- --add-package
def test_add_package_rewrites_packages_yml_and_installs(proj, hub, tmp_path):
    publish_pair(hub)
    write_package(tmp_path / "alpha", "alpha", "a")
    proj.write("packages.yml", "packages:\n  - local: ../alpha\n"
                               "  - git: https://example.com/acme/utils.git\n    revision: v1\n")
    r = deps(proj, "--add-package", "acme/utils@>=1.0.0,<2.0.0", hub=hub)
    # the git entry for the same package goes, as dbt's duplicate check does
    assert "Found duplicate package in packages.yml, removing: " \
        "https://example.com/acme/utils.git" in r.out, r
    assert f"Added new package acme/utils@>=1.0.0,<2.0.0 to {proj.dir}/packages.yml" in r.out
    assert proj.read("packages.yml") == (
        "packages:\n  - local: ../alpha\n"
        "  - package: acme/utils\n    version: [\">=1.0.0\", \"<2.0.0\"]\n")
    assert "utils 1.2.0" in macro_text(proj, "acme_utils")
    assert proj.path("dbt_packages/alpha").is_symlink()


def test_add_package_git_and_local_sources(proj, tmp_path):
    repo = make_repo(tmp_path / "repos" / "beta")
    write_package(repo, "beta", "b")
    sha = commit(repo, "one")
    write_package(tmp_path / "alpha", "alpha", "a")
    deps(proj, "--add-package", f"{repo}@{sha}", "--source", "git")
    deps(proj, "--add-package", "../alpha", "--source", "local")
    assert proj.read("packages.yml") == (
        f"packages:\n  - git: {repo}\n    revision: {sha}\n  - local: ../alpha\n")
    assert sorted(os.listdir(proj.path("dbt_packages"))) == [
        ".xform-installed.json", "alpha", "beta"]


def test_add_package_errors_change_nothing(proj):
    proj.write("packages.yml", "packages: []\n")
    r = deps(proj, "--add-package", "acme/utils", expect=2)
    assert r.err == ("error: --add-package needs a version for hub package 'acme/utils'\n"
                     "  hint: e.g. --add-package acme/utils@1.0.0, or a range: "
                     "'acme/utils@>=1.0.0,<2.0.0'\n"), r
    r = deps(proj, "--add-package", "acme/utils@1.0.0", "--source", "svn", expect=2)
    assert r.err.startswith("error: --source must be hub, git or local, not 'svn'\n"), r
    r = deps(proj, "--source", "git", expect=2)
    assert r.err == ("error: --source says what --add-package names; give --add-package "
                     "too\n"), r
    r = deps(proj, "--add-package", "acme/utils@one", expect=2)
    d = one_error(r)
    assert (d.path, d.msg) == ("--add-package", "'one' is not a version of hub package "
                                                "'acme/utils'"), r
    assert proj.read("packages.yml") == "packages: []\n"
    assert not proj.path("dbt_packages").exists()


def test_add_package_keeps_a_file_with_more_than_packages(proj):
    proj.write("dependencies.yml", "packages: []\nprojects:\n  - name: other\n")
    r = deps(proj, "--add-package", "acme/utils@1.0.0", expect=2)
    msgs = [(d.path, d.line, d.msg) for d in parse_diags(r.err)]
    assert msgs == [("dependencies.yml", 2, "--add-package rewrites dependencies.yml, which has "
                                            "more than 'packages:'")], r
    assert "'projects' (dependencies on other dbt projects) are not supported" in r.err
    assert proj.read("dependencies.yml") == "packages: []\nprojects:\n  - name: other\n"


# ---------------------------------------------------------------- more failures
def test_fetch_failures(proj, hub, tmp_path):
    """Each a located error, exit 1 (could not fetch) or 2 (the package is
    wrong), nothing installed."""
    write_package(tmp_path / "noname", "x", "a")
    (tmp_path / "noname" / "dbt_project.yml").write_text("version: '1.0'\n")
    repo = make_repo(tmp_path / "repos" / "beta")
    write_package(repo, "beta", "b")
    commit(repo, "one")
    (hub.root / "plain.tar.gz").write_text("not an archive")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name in ("a/dbt_project.yml", "b/dbt_project.yml"):
            info = tarfile.TarInfo(name)
            info.size = 0
            tar.addfile(info, io.BytesIO(b""))
    (hub.root / "two.tar.gz").write_bytes(buf.getvalue())
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("../evil.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    (hub.root / "evil.tar.gz").write_bytes(buf.getvalue())
    (hub.root / "api" / "v1" / "acme").mkdir(parents=True)
    (hub.root / "api" / "v1" / "acme" / "broken.json").write_text("<html>")
    (hub.root / "api" / "v1" / "acme" / "nodl.json").write_text(json.dumps(
        {"name": "nodl", "versions": {"1.0.0": {"packages": []}}}))
    cases = [
        (f"  - git: {tmp_path}/no-such-repo\n", 1,
         (2, 5, f"cannot clone git package '{tmp_path}/no-such-repo': fatal: repository "
                f"'{tmp_path}/no-such-repo' does not exist")),
        (f"  - git: {repo}\n    revision: main\n    subdirectory: nothing/here\n", 2,
         (2, 5, f"git package '{repo}' has no folder 'nothing/here'")),
        (f"  - git: {repo}\n    revision: main\n  - git: {repo}.git\n    revision: v2\n", 2,
         (4, 5, f"git package '{repo}.git' is asked for at two revisions: 'main' by the "
                "project and 'v2' by the project")),
        (f"  - tarball: {hub.url}plain.tar.gz\n    name: plain\n", 1,
         (2, 5, f"cannot unpack {hub.url}plain.tar.gz: not an archive: "
                "Unrecognized archive format")),
        (f"  - tarball: {hub.url}two.tar.gz\n    name: two\n", 2,
         (2, 5, f"the archive at {hub.url}two.tar.gz holds 2 top-level entries, not one "
                "folder")),
        (f"  - tarball: {hub.url}evil.tar.gz\n    name: evil\n", 1,
         (2, 5, f"cannot unpack {hub.url}evil.tar.gz: unsafe path '../evil.txt' in the "
                "archive")),
        ("  - package: acme/broken\n    version: 1.0.0\n", 1,
         None),
        ("  - package: acme/nodl\n    version: 1.0.0\n", 1,
         (2, 5, "the package hub lists 'acme/nodl' 1.0.0 without a name or a download")),
        ("  - local: ../noname\n", 2,
         None),
    ]
    for text, code, want in cases:
        proj.write("packages.yml", "packages:\n" + text)
        r = deps(proj, hub=hub, expect=code)
        if want is not None:
            d = one_error(r)
            assert (d.path, d.line, d.col, d.msg) == ("packages.yml", *want), r
        assert not proj.path("dbt_packages").exists(), r
        assert not proj.path("package-lock.yml").exists(), r
        assert not (tmp_path / "evil.txt").exists() and not (proj.dir / "evil.txt").exists()
    # the two cases without a packages.yml location
    proj.write("packages.yml", "packages:\n  - package: acme/broken\n    version: 1.0.0\n")
    r = deps(proj, hub=hub, expect=1)
    assert r.err == (f"error: the package hub sent no package versions at "
                     f"{hub.url}api/v1/acme/broken.json\n"), r
    proj.write("packages.yml", "packages:\n  - local: ../noname\n")
    r = deps(proj, expect=2)
    d = one_error(r)
    assert (d.path, d.line, d.msg) == ("../noname/dbt_project.yml", 1,
                                       "../noname/dbt_project.yml has no project name"), r


def test_lock_naming_a_version_the_hub_no_longer_has(proj, hub):
    publish_pair(hub)
    proj.write("packages.yml", "packages:\n  - package: acme/utils\n    version: 1.2.0\n")
    deps(proj, hub=hub)
    shutil.rmtree(proj.path("dbt_packages"))
    index = hub.root / "api" / "v1" / "acme" / "utils.json"
    doc = json.loads(index.read_text())
    del doc["versions"]["1.2.0"]
    index.write_text(json.dumps(doc))
    r = deps(proj, hub=hub, expect=2)
    d = one_error(r)
    assert (d.path, d.line, d.col, d.msg) == (
        "package-lock.yml", 3, 5, "the package hub has no version 1.2.0 of 'acme/utils'"), r
    assert "run 'xform deps --upgrade'" in r.err


def test_command_line_problems(proj, sandbox):
    proj.write("packages.yml", "packages: []\n")
    r = deps(proj, "--target", "prod", "--vars", "{a: 1}")
    assert r.err == ("warning: 'xform deps' reads no profile or vars; --target is not used\n"
                     "warning: 'xform deps' reads no profile or vars; --vars is not used\n"), r
    assert "Warning: No packages were found in packages.yml" in r.out
    r = deps(proj, "extra", expect=2)
    assert r.err == "error: 'xform deps' takes no argument 'extra'; see 'xform deps --help'\n"
    tmp, _, _ = sandbox
    (tmp / "empty").mkdir()
    r = proj.xform("deps", "--project-dir", str(tmp / "empty"), project_dir=False, expect=2)
    assert r.err == (f"error: no dbt_project.yml in {tmp / 'empty'}\n"
                     "  hint: run deps in a project folder or give --project-dir\n"), r
    r = proj.xform("deps", "--project-dir", str(tmp / "nowhere"), project_dir=False, expect=2)
    assert r.err == (f"error: cannot open the project folder {tmp / 'nowhere'}: "
                     "No such file or directory\n"), r


def test_fixture_shop_installs_cents(tmp_path, sandbox, xform_bin):
    """fixtures/packages: the shop project and its local package, copied whole."""
    from conftest import FIXTURES
    _, home, cwd = sandbox
    shutil.copytree(FIXTURES / "packages", tmp_path / "packages")
    shop = Project(tmp_path / "packages" / "shop", home, cwd)
    deps(shop)
    assert os.readlink(shop.path("dbt_packages/cents")) == "../../cents"
    assert "macro to_dollars(" in shop.read("dbt_packages/cents/macros/to_dollars.sql")
    assert shop.read("package-lock.yml").startswith(
        "packages:\n  - local: ../cents\n    name: cents\nsha1_hash: ")
    shop.xform("clean", expect=0)
    assert not shop.path("dbt_packages").exists()
    assert (tmp_path / "packages" / "cents" / "macros" / "to_dollars.sql").exists()
