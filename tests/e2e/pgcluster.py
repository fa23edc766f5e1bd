# SPDX-License-Identifier: MIT
"""A private, throwaway PostgreSQL cluster for tests that must stop or
reconfigure their server (and for bench/threads.py). It listens on
127.0.0.1 only, on a free port, with its socket in its own temp folder,
runs as the `postgres` user when we are root (initdb refuses root) and is
always stopped and removed, even when the test fails.

    with PgCluster(hba=["host all alice 127.0.0.1/32 scram-sha-256"]) as pg:
        pg.psql("create role alice login password 'secret'")
        pg.conninfo  # {'host': '127.0.0.1', 'port': '5433', ...}

`python3 tests/e2e/pgcluster.py` starts one, prints its conninfo and
keeps it until interrupted (handy as XF_TEST_PG_CONNINFO when developing).
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

# fast and disposable: durability buys nothing for a cluster that lives
# for one test
FAST_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "60",
    "shared_buffers": "32MB",
    "max_wal_size": "1GB",
    "checkpoint_timeout": "30min",
    "log_min_messages": "warning",
    "logging_collector": "off",
}


def pg_bin_dir():
    """The newest /usr/lib/postgresql/*/bin with initdb, or None."""
    dirs = [d for d in glob.glob("/usr/lib/postgresql/*/bin") if os.access(f"{d}/initdb", os.X_OK)]
    if not dirs:
        return None
    return max(dirs, key=lambda d: [int(x) for x in Path(d).parent.name.split(".") if x.isdigit()])


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgClusterUnavailable(Exception):
    """No server binaries or no `postgres` user: the cluster cannot start."""


class PgCluster:
    """One cluster: start() / stop() or use it as a context manager."""

    def __init__(self, hba=(), settings=None, start_timeout=60):
        self.hba = list(hba)
        self.settings = dict(FAST_SETTINGS, **(settings or {}))
        self.start_timeout = start_timeout
        self.bin = pg_bin_dir()
        self.dir = None
        self.port = None
        self.running = False

    # ------------------------------------------------------------ helpers
    @property
    def data(self):
        return f"{self.dir}/data"

    @property
    def conninfo(self):
        """libpq settings of the superuser on this cluster."""
        return {"host": "127.0.0.1", "port": str(self.port), "user": "postgres",
                "dbname": "postgres"}

    @property
    def conninfo_str(self):
        return " ".join(f"{k}={v}" for k, v in self.conninfo.items())

    def _as_owner(self, argv, **kw):
        """Runs a server program as `postgres` when we are root."""
        if os.geteuid() == 0:
            runuser = shutil.which("runuser") or "/usr/sbin/runuser"
            argv = [runuser, "-u", "postgres", "--"] + argv
        return subprocess.run(argv, cwd=self.dir, capture_output=True, text=True, **kw)

    def _server_log(self):
        try:
            return Path(f"{self.dir}/server.log").read_text()[-4000:]
        except OSError:
            return ""

    # ------------------------------------------------------------ lifecycle
    def start(self):
        if not self.bin:
            raise PgClusterUnavailable("no PostgreSQL server binaries under /usr/lib/postgresql")
        if os.geteuid() == 0:
            try:
                import pwd
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise PgClusterUnavailable("no 'postgres' user to run the server") from None
        # /tmp, not pytest's tmp_path: that one is private to root, and the
        # socket path must stay short
        self.dir = tempfile.mkdtemp(prefix="xform-pg.", dir="/tmp")
        try:
            if os.geteuid() == 0:
                os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            r = self._as_owner([f"{self.bin}/initdb", "-D", self.data, "-U", "postgres",
                                "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync",
                                "--no-instructions"], timeout=120)
            if r.returncode != 0:
                raise RuntimeError(f"initdb failed:\n{r.stdout}{r.stderr}")
            if self.hba:
                # first match wins: ours go before initdb's trust lines
                hba = Path(self.data) / "pg_hba.conf"
                text = hba.read_text()
                hba.write_text("\n".join(self.hba) + "\n" + text)
            self._launch()
        except BaseException:
            self.stop()
            raise
        return self

    def _launch(self):
        """pg_ctl start on a free port (tries again if the port got taken)."""
        for attempt in range(3):
            self.port = free_port()
            opts = [f"-c listen_addresses=127.0.0.1", f"-p {self.port}", f"-k {self.dir}"]
            opts += [f"-c {k}={v}" for k, v in self.settings.items()]
            r = self._as_owner([f"{self.bin}/pg_ctl", "-D", self.data, "-l",
                                f"{self.dir}/server.log", "-w", "-t", str(self.start_timeout),
                                "-o", " ".join(opts), "start"], timeout=self.start_timeout + 30)
            if r.returncode == 0:
                self.running = True
                return
            if "could not bind" not in self._server_log() or attempt == 2:
                raise RuntimeError(f"pg_ctl start failed:\n{r.stdout}{r.stderr}\n"
                                   f"{self._server_log()}")

    def restart(self):
        """Starts a stopped cluster again on the same port."""
        opts = [f"-c listen_addresses=127.0.0.1", f"-p {self.port}", f"-k {self.dir}"]
        opts += [f"-c {k}={v}" for k, v in self.settings.items()]
        r = self._as_owner([f"{self.bin}/pg_ctl", "-D", self.data, "-l", f"{self.dir}/server.log",
                            "-w", "-o", " ".join(opts), "start"], timeout=self.start_timeout + 30)
        assert r.returncode == 0, f"pg_ctl start failed:\n{r.stderr}\n{self._server_log()}"
        self.running = True

    def stop_server(self, mode="immediate"):
        """pg_ctl stop -m MODE; the folder stays (see stop())."""
        if not self.dir or not Path(f"{self.data}/postmaster.pid").exists():
            self.running = False
            return
        r = self._as_owner([f"{self.bin}/pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "30",
                            "stop"], timeout=60)
        if r.returncode != 0:
            self._kill_postmaster()
        self.running = False

    def _kill_postmaster(self):
        """Last resort when pg_ctl cannot stop it: SIGKILL our postmaster
        (its pid is the first line of postmaster.pid)."""
        try:
            pid = int(Path(f"{self.data}/postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def stop(self):
        """Stops the server and removes every file of the cluster."""
        try:
            if self.dir:
                self.stop_server()
        finally:
            if self.dir:
                shutil.rmtree(self.dir, ignore_errors=True)
                self.dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # ------------------------------------------------------------ queries
    def psql(self, sql, dbname="postgres", user="postgres", password=None, check=True):
        """Runs `sql` with psql; returns the rows as tuples of strings."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        if password is not None:
            env["PGPASSWORD"] = password
        info = f"host=127.0.0.1 port={self.port} user={user} dbname={dbname}"
        psql = shutil.which("psql") or f"{self.bin}/psql"
        r = subprocess.run([psql, "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                            "-d", info, "-c", sql], capture_output=True, text=True, env=env,
                           timeout=120)
        if check:
            assert r.returncode == 0, f"psql failed: {r.stderr}"
        return [tuple(line.split("\t")) for line in r.stdout.splitlines()]


def require_cluster():
    """Skips the test when no cluster can be started here, except in CI,
    where every Postgres test must run."""
    why = None
    if not pg_bin_dir():
        why = "no PostgreSQL server binaries under /usr/lib/postgresql"
    elif os.geteuid() == 0:
        try:
            import pwd
            pwd.getpwnam("postgres")
        except KeyError:
            why = "no 'postgres' user to run a private server"
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {why}: the Postgres tests must run")
        pytest.skip(why)


@pytest.fixture
def pg_cluster():
    """A factory: pg_cluster(hba=[...]) -> a started PgCluster, stopped and
    removed when the test ends (whatever happened)."""
    require_cluster()
    made = []

    def make(**kw):
        c = PgCluster(**kw)
        made.append(c)
        return c.start()

    yield make
    for c in made:
        c.stop()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    c = PgCluster().start()
    try:
        print(c.conninfo_str, flush=True)
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        c.stop()
