"""SMS intake through a real Kannel (fakesmsc -> bearerbox -> smsbox -> Sigap), against the ceiling
(bench/ceiling_app.py's get-url route: the secret checked, one INSERT; load for the direct phases from wrk).

Where bench/intake_load.py's `kannel` target sends smsbox's get-url requests itself, this one puts
Debian's Kannel in between: Kannel's fake SMSC plays the operator and hands bearerbox N citizens'
`LAPOR MAKAN ...` as fast as it can, smsbox calls Sigap (gunicorn, 2 workers, PostgreSQL) for each,
and the figure is SMS answered per second (stored, run through the dialogue, a complaint filed for
nearly each: fakesmsc picks each message at random from the N given, so a few citizens write twice). Beside it, in the same run: the ceiling (a bare
Flask + SQLAlchemy insert) and Sigap's get-url driven directly, each for the same length of time.

    python -m bench.kannel_intake --messages 400 --concurrency 8
Needs `kannel` and `kannel-extras` (apt-get); makes its own database sigap_bench_<random> and drops it."""
from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.intake_load import (BIN, KANNEL_SECRET, KANNEL_SHORT_CODE, ROOT, admin, free_port, kannel_requests, load,
                               loadavg, run, wait_until_up, write_requests)


def answered(db_url: str) -> int:
    """SMS that Kannel brought and Sigap has answered (whatever the dialogue made of each)."""
    import psycopg

    with psycopg.connect(db_url) as conn:
        return conn.execute("SELECT count(*) FROM sms_inbound_messages WHERE message_sid LIKE 'kannel:%'").fetchone()[0]


def complaints(db_url: str) -> int:
    import psycopg

    with psycopg.connect(db_url) as conn:
        return conn.execute("SELECT count(*) FROM complaints").fetchone()[0]


def through_kannel(kannel, db_url: str, count: int, offset: int, max_seconds: float) -> tuple[int, float]:
    """fakesmsc hands `count` SMS to bearerbox at full speed (each a random pick of `count` citizens'
    LAPOR MAKAN ...); (answered, seconds until the last was answered or time ran out)."""
    start_count = answered(db_url)
    messages = [f"62816{i:08d} {KANNEL_SHORT_CODE} text LAPOR MAKAN Kemiren: beban uji {i}, nenek tidak makan"
                for i in range(offset, offset + count)]
    began = time.perf_counter()
    operator = kannel.burst(messages)
    done = 0
    while time.perf_counter() - began < max_seconds:
        done = answered(db_url) - start_count
        if done >= count:
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - began
    operator.terminate()
    operator.wait(timeout=10)
    return done, seconds


def main(argv=None) -> int:
    from tests import kannel as harness

    parser = argparse.ArgumentParser(prog="python -m bench.kannel_intake", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=400, help="SMS handed to Kannel in the measured burst")
    parser.add_argument("--concurrency", type=int, default=8, help="connections for the direct phases")
    parser.add_argument("--max-seconds", type=float, default=120, help="give up on the burst after this long")
    parser.add_argument("--pg-url", default=os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args(argv)
    why_not = harness.binaries()
    if isinstance(why_not, str):
        raise SystemExit(why_not)
    name = "sigap_bench_" + secrets.token_hex(4)
    db_url = args.pg_url.rsplit("/", 1)[0] + "/" + name
    sigap_port, ceiling_port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": secrets.token_urlsafe(32), "SIGAP_PRODUCTION": "1",
           "SIGAP_AUDIT_KEY": secrets.token_hex(32),
           "SIGAP_RUN_SCHEDULER": "0", "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "4", "GUNICORN_MAX_REQUESTS": "0",
           "KANNEL_SENDSMS_URL": "http://127.0.0.1:9/cgi-bin/sendsms", "KANNEL_USERNAME": "bench",
           "KANNEL_PASSWORD": "bench", "KANNEL_SECRET": KANNEL_SECRET}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    servers: list[subprocess.Popen] = []
    kannel = None
    admin(args.pg_url, f"CREATE DATABASE {name}")
    try:
        print(f"load average at the start: {loadavg()}; database {name}", flush=True)
        run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], env)
        run([str(BIN / "flask"), "--app", "wsgi", "seed", "demo"], env)
        run([str(BIN / "flask"), "--app", "wsgi", "sms", "map-number", KANNEL_SHORT_CODE, "banyuwangi",
             "--gateway", "kannel"], env)
        logs = open(os.devnull, "w")
        servers.append(subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--preload", "bench.ceiling_app:app"], cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{ceiling_port}"}, stdout=logs, stderr=logs))
        servers.append(subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "bench.sigap_wsgi:app"], cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{sigap_port}"}, stdout=logs, stderr=logs))
        wait_until_up(ceiling_port, "/")
        wait_until_up(sigap_port, "/healthz")
        workdir = Path(tempfile.mkdtemp(prefix="sigap-kannel-bench-"))
        kannel = harness.Kannel(workdir, f"http://127.0.0.1:{sigap_port}", secret=KANNEL_SECRET, log_level=2)
        kannel.start(operator=False)
        filed, _ = through_kannel(kannel, db_url, 50, 0, 60)  # warm-up, not counted
        if filed < 50:
            raise SystemExit(f"warm-up: only {filed} of 50 SMS through Kannel were answered; see {workdir}/*.log")
        before = complaints(db_url)
        filed, seconds = through_kannel(kannel, db_url, args.messages, 1_000_000, args.max_seconds)
        made = complaints(db_url) - before
        rate = filed / seconds
        phase = max(1, round(seconds))  # wrk runs whole seconds
        direct_file, ceiling_file = Path(workdir) / "direct.txt", Path(workdir) / "ceiling.txt"
        write_requests(direct_file, kannel_requests(3000 * phase, 2_000_000))
        write_requests(ceiling_file, kannel_requests(3000 * phase, 3_000_000))  # the bare get-url insert
        direct = load(sigap_port, direct_file, args.concurrency, phase, 2)
        ceiling = load(ceiling_port, ceiling_file, args.concurrency, phase, 2)
        print(f"through Kannel:  {filed} of {args.messages} SMS answered in {seconds:.1f} s = {rate:.1f} SMS/s, "
              f"{made} complaints filed")
        print(f"get-url direct:  {direct['per_second']:.1f} req/s  {direct['statuses']}")
        print(f"ceiling:         {ceiling['per_second']:.1f} req/s")
        if ceiling["per_second"]:
            print(f"share of the ceiling: through Kannel {rate / ceiling['per_second']:.0%}, "
                  f"get-url direct {direct['per_second'] / ceiling['per_second']:.0%}")
        print(f"load average at the end: {loadavg()}")
        return 0 if filed == args.messages else 1
    finally:
        if kannel is not None:
            kannel.stop()
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        admin(args.pg_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
