"""A cold database for row a: the benchmark's own throwaway PostgreSQL cluster, which it may restart at will.

The shared server is never restarted. Instead the benchmark database is copied once (pg_dump | psql) into a cluster
of its own under /tmp (initdb, another port, the shared server's shared_buffers), reused by later runs. `chill()`
makes it cold: a CHECKPOINT (every page clean), a fast restart (PostgreSQL's shared buffers empty) and each of its
data files dropped from the operating system's page cache (posix_fadvise DONTNEED; the files are the cluster's own,
so nobody else's cache is touched). What stays warm: the CPU caches, the Python process and its imports, the
Streamlit script cache and the catalog files PostgreSQL reads at connection start.

    .venv/bin/python -m bench.cold --source URL --port 8821 [--drop]
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.database import server_args

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for directory in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (directory / name).exists():
            return str(directory / name)
    raise SystemExit(f"{name} not found (PostgreSQL server binaries)")


def _as_owner(command: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as the postgres account then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@dataclass(frozen=True)
class Cluster:
    data: Path
    port: int

    @property
    def log(self) -> Path:
        return self.data.parent / f"{self.data.name}.log"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            _as_owner([_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", *args]),
            check=True,
            capture_output=True,
            text=True,
        )

    def running(self) -> bool:
        done = subprocess.run(_as_owner([_bin("pg_ctl"), "-D", str(self.data), "status"]), capture_output=True)
        return done.returncode == 0

    def start(self) -> None:
        if not self.running():
            self._ctl("-o", f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1", "start")

    def stop(self) -> None:
        if self.running():
            self._ctl("-m", "fast", "stop")

    def chill(self) -> float:
        """Restart with empty shared buffers and the cluster's files out of the page cache; returns the seconds."""
        began = time.perf_counter()
        subprocess.run(
            ["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-c", "CHECKPOINT"],
            check=True,
            capture_output=True,
        )
        self.stop()
        drop_page_cache(self.data / "base")
        self.start()
        return time.perf_counter() - began


def drop_page_cache(directory: Path) -> int:
    """posix_fadvise(DONTNEED) on every file under `directory`: clean pages leave the OS page cache."""
    dropped = 0
    for path in directory.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                dropped += 1
            finally:
                os.close(fd)
    return dropped


def ensure(source_url: str, port: int, log=print) -> tuple[Cluster, str]:
    """The throwaway cluster on `port` holding a copy of the source database (made once, then reused)."""
    name = make_url(source_url).database
    assert name, f"{source_url} names no database"
    cluster = Cluster(Path(f"/tmp/teplo-bench-pg-{port}"), port)
    if not (cluster.data / "PG_VERSION").exists():
        cluster.data.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(cluster.data, owner.pw_uid, owner.pw_gid)
        log(f"initdb {cluster.data} (port {port}) ...")
        subprocess.run(
            _as_owner([_bin("initdb"), "-D", str(cluster.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
            check=True,
            capture_output=True,
            text=True,
        )
    cluster.start()
    target = cluster.url(name)
    psql = ["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
    exists = subprocess.run(
        [*psql, "-At", "-c", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"], capture_output=True, text=True
    )
    if exists.stdout.strip() != "1":
        log(f"copying {name} into the throwaway cluster (pg_dump | psql, once) ...")
        subprocess.run([*psql, "-c", f'CREATE DATABASE "{name}"'], check=True, capture_output=True)
        dump = subprocess.Popen([_bin("pg_dump"), *server_args(source_url), "-d", name], stdout=subprocess.PIPE)
        subprocess.run([*psql, "-v", "ON_ERROR_STOP=1", "-d", name], stdin=dump.stdout, check=True, capture_output=True)
        if dump.wait() != 0:
            raise SystemExit("pg_dump failed")
        subprocess.run([*psql, "-d", name, "-c", "VACUUM ANALYZE"], check=True, capture_output=True)
    return cluster, target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--drop", action="store_true", help="stop the cluster and delete its files")
    args = parser.parse_args(argv)
    if args.drop:
        cluster = Cluster(Path(f"/tmp/teplo-bench-pg-{args.port}"), args.port)
        cluster.stop()
        shutil.rmtree(cluster.data, ignore_errors=True)
        return 0
    cluster, url = ensure(args.source, args.port)
    print(url, f"(chilled in {cluster.chill():.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
