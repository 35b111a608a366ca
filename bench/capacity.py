"""Capacity of the consumer cabinet: how many consumers at once one public replica serves with every click
answered within a second, how much memory each of them costs, and what a second replica behind nginx adds.

    .venv/bin/python -m bench.capacity --replicas 1 --max-sessions 64
    .venv/bin/python -m bench.capacity --replicas 2 --max-sessions 64 --database-url postgresql://…/teplo_bench_80k_x

The deployment is the shipped one: deploy/render.py fills the nginx site and the systemd units; the replicas run
their unit's ExecStart (`manage.py serve public …`) with the env file's settings, behind nginx with TLS and the
routing cookie. (The benchmark databases hold demo data, which production mode refuses to serve, so the
replicas run with TEPLO_DEMO=1: the one difference on a consumer's screens is the demo banner.)

N simulated consumers (bench/capacity_client.py: Streamlit's websocket protocol, no browser) each repeat a visit:
open the site, log in (through the cookie route), see the account, open readings, submit a reading; each with a
login of its own from the database, whose passwords are first given the production Argon2 cost. N steps up
1, 2, 4, … until a step's click p95 passes 1 s or a step has an error. The table is printed and written as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench.capacity_client import Click, Target, Texts, visit  # noqa: E402
from bench.stats import median, percentile  # noqa: E402
from tools import loopback  # noqa: E402

PUBLIC_NAME = loopback.PUBLIC_NAME
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/teplo_bench_80k_capacity"
P95_LIMIT = 1.0
CLICKS = ("login", "readings", "submit")  # what a consumer does; "open" (typing the address) is reported apart


@dataclass
class Account:
    login: str
    value: str  # the next reading: the last one plus a little, written as the consumer writes it


def texts() -> Texts:
    from core.i18n import t

    return Texts(
        login=t("login.login", "uk"),
        password=t("login.password", "uk"),
        login_button=t("login.submit", "uk"),
        account_title=t("account.title", "uk"),
        readings_link=t("nav.readings", "uk"),
        reading_input=t("readings.input", "uk"),
        reading_submit=t("readings.submit", "uk"),
        reading_confirm=t("readings.confirm", "uk"),
        receipt_prefix=t("readings.receipt", "uk").split("{")[0].strip(" *"),
    )


def accounts_to_visit(database_url: str, limit: int) -> list[Account]:
    """Logins with one account and one hot-water meter and no reading yet in the open window; their passwords
    (the demo's, published) re-hashed at the production cost, so a login costs what a real one does."""
    from sqlalchemy import text

    from core.passwords import hash_password, needs_rehash
    from db.engine import make_engine
    from demo.generator import DEMO_CONSUMER_PASSWORD

    engine = make_engine(database_url)
    query = text(
        """
        WITH open_window AS (
            SELECT id FROM reading_windows WHERE opens_at <= now() AND closes_at > now() ORDER BY opens_at LIMIT 1
        ), single AS (
            SELECT login_id, min(account_id) AS account_id FROM consumer_account_links
            GROUP BY login_id HAVING count(*) = 1
        )
        SELECT l.id, l.login, l.password_hash, m.id AS meter_id,
               coalesce((SELECT r.value FROM readings r WHERE r.meter_id = m.id AND r.status = 'accepted'
                         ORDER BY r.submitted_at DESC, r.id DESC LIMIT 1), m.initial_value) AS last_value
        FROM single s
        JOIN consumer_logins l ON l.id = s.login_id
        JOIN accounts a ON a.id = s.account_id AND a.closed_on IS NULL
        JOIN meters m ON m.account_id = a.id AND m.service = 'hot_water' AND m.removed_on IS NULL
        WHERE (SELECT count(*) FROM meters m2 WHERE m2.account_id = a.id AND m2.removed_on IS NULL) = 1
          AND NOT EXISTS (SELECT 1 FROM readings r, open_window w WHERE r.meter_id = m.id AND r.window_id = w.id)
        ORDER BY l.id
        LIMIT :limit
        """
    )
    try:
        with engine.begin() as connection:
            rows = connection.execute(query, {"limit": limit}).all()
            stale = [row.id for row in rows if needs_rehash(row.password_hash)]
            if stale:
                connection.execute(
                    text("UPDATE consumer_logins SET password_hash = :hash WHERE id = ANY(:ids)"),
                    {"hash": hash_password(DEMO_CONSUMER_PASSWORD), "ids": stale},
                )
    finally:
        engine.dispose()
    return [Account(row.login, f"{row.last_value + 1:.3f}".replace(".", ",")) for row in rows]


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


class Deployment:
    """nginx and the public replicas as deploy/ ships them, on this machine's loopback, over `database_url`."""

    def __init__(self, directory: Path, database_url: str, replicas: int, ports: list[int]) -> None:
        self.dir = directory
        self.https, self.http, staff, *public = ports
        self.public_ports = public[:replicas]
        logs = directory / "logs"
        logs.mkdir(parents=True)
        (directory / "home").mkdir()
        env_file = directory / "teplo.env"
        loopback.env_file(
            env_file,
            {
                "DATABASE_URL": database_url,
                "PUBLIC_BASE_URL": f"https://{PUBLIC_NAME}:{self.https}",
                "TEPLO_ONLINE_PAYMENTS": "0",
                "TEPLO_TRUSTED_PROXIES": "127.0.0.1",
                "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32),
                "HOME": str(directory / "home"),
                "TEPLO_BACKUP_DIR": str(directory / "backups"),
                "TEPLO_DEMO": "1",  # the benchmark data is demo data (see the module's docstring)
            },
        )
        rendered = loopback.render_units(
            directory, env_file, loopback.Ports(self.https, self.http, self.public_ports, [staff]), logs
        )
        unit = rendered / "systemd" / "teplo-public@.service"
        self.replicas = [loopback.start_unit(unit, port, logs / f"public-{port}.log") for port in self.public_ports]
        site = rendered / "nginx" / "teplo.conf"
        self.nginx = loopback.start_nginx(
            loopback.nginx_conf(directory, site, logs, workers="auto", connections=4096), logs
        )
        self.processes: list[subprocess.Popen] = [*self.replicas, self.nginx]
        for port in self.public_ports:
            self._wait_healthy(port)

    def _wait_healthy(self, port: int, limit: float = 120) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"a process of the deployment exited; logs in {self.dir / 'logs'}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"replica {port} not healthy after {limit} s; logs in {self.dir / 'logs'}")

    @property
    def target(self) -> Target:
        return Target("127.0.0.1", self.https, PUBLIC_NAME, tls=True)

    def rss_kb(self) -> int:
        return sum(_rss_kb(p.pid) for p in self.replicas)

    def cpu_seconds(self) -> float:
        return sum(_cpu_seconds(p.pid) for p in self.replicas)

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@dataclass
class Step:
    sessions: int
    visits: int
    clicks: int
    errors: int
    clicks_per_s: float
    click_p50_s: float | None
    click_p95_s: float | None
    step_p95_s: dict[str, float | None]
    rss_mb_peak: float
    rss_mb_per_session: float
    server_cpu_pct: float
    server_cpu_ms_per_click: float | None
    client_cpu_pct: float
    load_average: tuple[float, float, float]
    first_errors: list[str]

    @property
    def meets(self) -> bool:
        return self.errors == 0 and self.click_p95_s is not None and self.click_p95_s <= P95_LIMIT


async def run_step(
    deployment: Deployment,
    pool: list[Account],
    sessions: int,
    seconds: float,
    think: float,
    baseline_kb: int,
    password: str,
    visits: int = 0,
) -> Step:
    """`sessions` consumers visiting over and over for `seconds` (each visit is finished, then no new one)."""
    clicks: list[Click] = []
    done = {"visits": 0}
    words = texts()
    deadline = time.monotonic() + seconds
    peak = {"kb": deployment.rss_kb()}

    async def consumer(index: int) -> None:
        await asyncio.sleep(random.Random(index).uniform(0, max(think, 1.0)))  # not all at the same instant
        made = 0
        while time.monotonic() < deadline and pool and (not visits or made < visits):
            made += 1
            account = pool.pop()
            ok = await visit(deployment.target, words, account.login, password, account.value, clicks, think)
            done["visits"] += ok

    async def sample() -> None:
        while True:
            peak["kb"] = max(peak["kb"], deployment.rss_kb())
            await asyncio.sleep(0.5)

    cpu_before, client_before, began = deployment.cpu_seconds(), resource.getrusage(resource.RUSAGE_SELF), time.time()
    sampler = asyncio.create_task(sample())
    await asyncio.gather(*(consumer(i) for i in range(sessions)))
    sampler.cancel()
    wall = time.time() - began
    server_cpu = deployment.cpu_seconds() - cpu_before
    client_after = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = client_after.ru_utime + client_after.ru_stime - client_before.ru_utime - client_before.ru_stime
    clicked = [c for c in clicks if c.step in CLICKS and c.error is None]
    errors = [c for c in clicks if c.error is not None]
    return Step(
        sessions=sessions,
        visits=done["visits"],
        clicks=len(clicked),
        errors=len(errors),
        clicks_per_s=len(clicked) / wall,
        click_p50_s=percentile([c.seconds for c in clicked], 50),
        click_p95_s=percentile([c.seconds for c in clicked], 95),
        step_p95_s={
            step: percentile([c.seconds for c in clicks if c.step == step and c.error is None], 95)
            for step in ("open", *CLICKS)
        },
        rss_mb_peak=peak["kb"] / 1024,
        rss_mb_per_session=(peak["kb"] - baseline_kb) / 1024 / sessions,
        server_cpu_pct=100 * server_cpu / wall,
        server_cpu_ms_per_click=1000 * server_cpu / len(clicked) if clicked else None,
        client_cpu_pct=100 * client_cpu / wall,
        load_average=os.getloadavg(),
        first_errors=[f"{c.step}: {c.error}" for c in errors[:3]],
    )


def steps_up_to(maximum: int) -> list[int]:
    steps, n = [], 1
    while n <= maximum:
        steps.append(n)
        n *= 2
    return steps


async def calibrate(deployment: Deployment, pool: list[Account], count: int, log) -> dict:
    """`count` visits by the protocol client, then `count` by Chromium, one at a time: the server CPU of a visit
    and the click times of each, to say how far the client stands from a browser."""
    from bench import capacity_browser
    from demo.generator import DEMO_CONSUMER_PASSWORD

    found: dict = {}
    for name in ("protocol", "chromium"):
        chosen = [pool.pop() for _ in range(min(count, len(pool)))]
        clicks: list[Click] = []
        before = deployment.cpu_seconds()
        if name == "protocol":
            for account in chosen:
                await visit(deployment.target, texts(), account.login, DEMO_CONSUMER_PASSWORD, account.value, clicks)
        else:
            clicks = await capacity_browser.visits(deployment.target, texts(), chosen, DEMO_CONSUMER_PASSWORD)
        cpu = deployment.cpu_seconds() - before
        errors = [c.error for c in clicks if c.error]
        found[name] = {
            "visits": len(chosen),
            "errors": errors[:3],
            "server_cpu_ms_per_visit": 1000 * cpu / max(len(chosen), 1),
            "median_ms": {
                step: _ms(median([c.seconds for c in clicks if c.step == step and not c.error]))
                for step in ("open", *CLICKS)
            },
        }
        log(f"calibration, {name}: {found[name]}")
    return found


async def measure(args, deployment: Deployment, pool: list[Account], log, calibration: dict) -> list[Step]:
    from demo.generator import DEMO_CONSUMER_PASSWORD

    warm: list[Click] = []
    for _ in range(args.replicas * 2):  # each replica imports its pages once before anything is timed
        if pool:
            account = pool.pop()
            await visit(deployment.target, texts(), account.login, DEMO_CONSUMER_PASSWORD, account.value, warm, 0)
    failed = [c.error for c in warm if c.error]
    if failed:
        raise RuntimeError(f"the warm-up visit failed: {failed[0]}")
    if args.calibrate:
        calibration.update(await calibrate(deployment, pool, args.calibrate, log))
    baseline = deployment.rss_kb()
    log(f"warm: replicas' RSS {baseline / 1024:.0f} MB")
    results: list[Step] = []
    for sessions in args.steps or steps_up_to(args.max_sessions):
        step = await run_step(
            deployment, pool, sessions, args.seconds, args.think, baseline, DEMO_CONSUMER_PASSWORD, args.visits
        )
        results.append(step)
        log(format_row(step))
        if not step.meets and not args.steps:
            break
    return results


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f}"


HEADER = (
    f"{'N':>4} {'visits':>6} {'clicks':>6} {'err':>4} {'clk/s':>6} {'p50ms':>6} {'p95ms':>6} "
    f"{'login95':>7} {'read95':>6} {'subm95':>6} {'open95':>6} {'RSS MB':>7} {'MB/sess':>7} "
    f"{'srvCPU%':>7} {'ms/clk':>6} {'cliCPU%':>7}  load avg"
)


def format_row(s: Step) -> str:
    p = s.step_p95_s
    load = " ".join(f"{x:.2f}" for x in s.load_average)
    return (
        f"{s.sessions:>4} {s.visits:>6} {s.clicks:>6} {s.errors:>4} {s.clicks_per_s:>6.2f} {_ms(s.click_p50_s):>6} "
        f"{_ms(s.click_p95_s):>6} {_ms(p['login']):>7} {_ms(p['readings']):>6} {_ms(p['submit']):>6} "
        f"{_ms(p['open']):>6} {s.rss_mb_peak:>7.0f} {s.rss_mb_per_session:>7.1f} {s.server_cpu_pct:>7.0f} "
        f"{_ms(s.server_cpu_ms_per_click and s.server_cpu_ms_per_click / 1000):>6} {s.client_cpu_pct:>7.0f}  {load}"
        + (f"\n      errors: {s.first_errors}" if s.errors else "")
    )


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE, help=f"default: {DEFAULT_DATABASE}")
    parser.add_argument("--replicas", type=int, choices=[1, 2], default=1)
    parser.add_argument("--max-sessions", type=int, default=64, help="the last N of 1, 2, 4, … to try")
    parser.add_argument("--steps", type=int, nargs="*", help="exactly these N (no stop at the first miss)")
    parser.add_argument("--seconds", type=float, default=60, help="how long each N runs")
    parser.add_argument("--visits", type=int, default=0, help="stop each consumer after this many visits (0: none)")
    parser.add_argument(
        "--calibrate", type=int, default=0, help="first make this many visits by protocol and by Chromium, compared"
    )
    parser.add_argument("--think", type=float, default=2.0, help="a consumer's pause between two clicks, seconds")
    parser.add_argument("--port-base", type=int, default=8720, help="nginx https, http, staff, then the replicas")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results")
    return parser.parse_args(argv)


def run(args, log=print, calibration: dict | None = None) -> list[Step]:
    ports = getattr(args, "ports", None) or [args.port_base + i for i in range(3 + args.replicas)]
    pool = accounts_to_visit(args.database_url, limit=20_000)
    random.Random(7).shuffle(pool)
    log(f"{len(pool)} logins to visit with; {args.replicas} replica(s) behind nginx on :{ports[0]}")
    with tempfile.TemporaryDirectory(prefix="teplo-capacity-") as directory:
        Path(directory).chmod(0o755)
        deployment = Deployment(Path(directory), args.database_url, args.replicas, ports)
        try:
            log(HEADER)
            return asyncio.run(measure(args, deployment, pool, log, {} if calibration is None else calibration))
        finally:
            deployment.stop()


def main(argv=None) -> int:
    args = parse_args(argv)
    calibration: dict = {}
    steps = run(args, calibration=calibration)
    passing = [s.sessions for s in steps if s.meets]
    best = max(passing, default=0)
    print(f"largest N with click p95 ≤ {P95_LIMIT:.0f} s and no error: {best} ({args.replicas} replica(s))")
    args.output.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.output / f"capacity-{args.replicas}r-{stamp}.json"
    path.write_text(
        json.dumps(
            {
                "replicas": args.replicas,
                "database": args.database_url.rsplit("/", 1)[-1],
                "think_s": args.think,
                "seconds_per_step": args.seconds,
                "cores": os.cpu_count(),
                "largest_n": best,
                "calibration": calibration,
                "steps": [asdict(s) | {"meets": s.meets} for s in steps],
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
