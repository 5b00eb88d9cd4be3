"""SQL statements and round trips per intake request, per channel, on PostgreSQL; optionally a cProfile
of the same requests (one process, Flask's test client: the app's own Python work, without gunicorn).

Counts every statement SQLAlchemy sends (a `before_cursor_execute` hook on the app's engine) plus the
transaction's BEGIN, COMMIT and ROLLBACK, which psycopg sends as statements of their own, and the pool's
pre-ping when one is configured.

    python -m bench.intake_statements [--requests 200] [--profile api] [--show-sql]
Also the CPU time of this one process per request (client, app and driver; not the server's), Sigap's and
the ceiling's (bench/ceiling_app.py, same requests, through its own test client): a figure less at the mercy
of a loaded machine than req/s, and what bounds the share when both sides saturate the cores.
It makes its own database sigap_bench_<random> on the local server and drops it after."""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import secrets
import statistics
import sys
import time
from collections import Counter

from sqlalchemy import event

from bench.intake_load import (
    KANNEL_SECRET,
    KANNEL_SHORT_CODE,
    PUBLIC_BASE_URL,
    STORED_ROWS_OF,
    TELEGRAM_SECRET,
    TWILIO_TOKEN,
    admin,
    api_requests,
    bound_requests,
    ceiling_requests,
    kannel_requests,
    sms_requests,
    telegram_requests,
)

CHANNELS = ("api", "sms", "kannel", "telegram")


def count_round_trips(engine) -> list[str]:
    """A list that collects each statement (and BEGIN/COMMIT/ROLLBACK, and pre-pings) sent on `engine`."""
    sent: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(_conn, _cursor, statement, _params, _context, _many):
        sent.append(" ".join(statement.split())[:100])

    @event.listens_for(engine, "begin")
    def _begin(_conn):
        sent.append("BEGIN")

    @event.listens_for(engine, "commit")
    def _commit(_conn):
        sent.append("COMMIT")

    @event.listens_for(engine, "rollback")
    def _rollback(_conn):
        sent.append("ROLLBACK")

    @event.listens_for(engine, "engine_connect")
    def _checkout(conn):
        if conn.engine.pool._pre_ping:
            sent.append("SELECT 1 (pre-ping)")

    return sent


def backends_cpu(pg_url: str, database: str) -> float | None:
    """CPU seconds (user + system) used so far by the PostgreSQL backends serving `database`, read from
    /proc (the server on this machine, readable by this user); None where it cannot be read."""
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        pids = [row[0] for row in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,))]
    total = 0
    try:
        for pid in pids:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, IndexError, ValueError):
        return None
    return total / os.sysconf("SC_CLK_TCK")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_statements", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="requests per channel (default 200)")
    parser.add_argument("--profile", default="", help="cProfile this channel's requests (api, sms, kannel, telegram)")
    parser.add_argument("--profile-out", default="", help="also save the profile there (pstats file)")
    parser.add_argument("--channels", default=",".join(CHANNELS), help="which channels, comma-separated (default all)")
    parser.add_argument("--show-sql", action="store_true", help="print one request's statements per channel")
    parser.add_argument("--pg-url", default=os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args(argv)
    channels = [c for c in args.channels.split(",") if c]
    if unknown := set(channels) - set(CHANNELS):
        parser.error(f"unknown channel(s): {', '.join(sorted(unknown))}")
    name = "sigap_bench_" + secrets.token_hex(4)
    db_url = args.pg_url.rsplit("/", 1)[0] + "/" + name
    os.environ.update({
        "DATABASE_URL": db_url, "SECRET_KEY": secrets.token_urlsafe(32), "SIGAP_PRODUCTION": "1",
        "SIGAP_AUDIT_KEY": secrets.token_hex(32), "SIGAP_RUN_SCHEDULER": "0",
        "TELEGRAM_BOT_TOKEN": "123456:BENCH", "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9", "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "TWILIO_FROM_NUMBER": "+6281100001111",
        "TWILIO_API_BASE_URL": "http://127.0.0.1:9", "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "KANNEL_SENDSMS_URL": "http://127.0.0.1:9/cgi-bin/sendsms", "KANNEL_USERNAME": "bench",
        "KANNEL_PASSWORD": "bench", "KANNEL_SECRET": KANNEL_SECRET})
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    admin(args.pg_url, f"CREATE DATABASE {name}")
    try:
        from bench.sigap_wsgi import app

        runner = app.test_cli_runner()
        for command in (["db", "upgrade"], ["seed", "demo"],
                        ["sms", "map-number", KANNEL_SHORT_CODE, "banyuwangi", "--gateway", "kannel"]):
            result = runner.invoke(args=command)
            if result.exit_code != 0:
                raise SystemExit(f"{command} failed: {result.output}\n{result.exception!r}")
        result = runner.invoke(args=["tokens", "create", "--role", "supervisor", "--jurisdiction", "banyuwangi",
                                     "--name", "bench"])
        token = result.output.strip().splitlines()[-1]
        engine = app.extensions["sigap"].engine
        sent = count_round_trips(engine)
        client = app.test_client()
        make = {"api": lambda k, o: api_requests(k, token, o), "sms": sms_requests, "kannel": kannel_requests,
                "telegram": telegram_requests}
        from bench import ceiling_app

        ceiling_client = ceiling_app.app.test_client()
        ceiling_cpu, ceiling_server = {}, {}
        bounds = [(c, ceiling_requests if c == "api" else make[c]) for c in channels]
        # and the second bounds: the bare stack storing Sigap's rows (bench/ceiling_app.py)
        bounds += [(STORED_ROWS_OF[c], bound_requests(STORED_ROWS_OF[c])) for c in channels if c in STORED_ROWS_OF]
        for bound, prepare in bounds:  # the bare stack's CPU per request for the same requests, for comparison
            prepared = prepare(args.requests + 20, 3_000_000)
            for index, (path, body, headers) in enumerate(prepared):
                if index == 20:
                    began, server_began = time.process_time(), backends_cpu(args.pg_url, name)
                response = ceiling_client.get(path, headers=headers) if body is None else \
                    ceiling_client.post(path, data=body, headers=headers)
                assert response.status_code in (200, 201), (bound, response.status_code)
            ceiling_cpu[bound] = (time.process_time() - began) / args.requests * 1000
            server_ended = backends_cpu(args.pg_url, name)
            if server_began is not None and server_ended is not None:
                ceiling_server[bound] = (server_ended - server_began) / args.requests * 1000
        for bound in ceiling_cpu:
            server = f", PostgreSQL backends' {ceiling_server[bound]:.2f} ms" if bound in ceiling_server else ""
            label = f"ceiling {bound}" if bound in CHANNELS else bound
            print(f"{label}: CPU of this process per request {ceiling_cpu[bound]:.1f} ms{server}")
        for channel in channels:
            warm = make[channel](20, 1_000_000)
            for path, body, headers in warm:  # first requests: caches, prepared statements
                (client.get(path, headers=headers) if body is None else client.post(path, data=body, headers=headers))
            counts = []
            statuses: Counter = Counter()
            # CPU time, not wall time: waits on the database would hide where the CPU goes
            profiler = cProfile.Profile(time.process_time) if args.profile == channel else None
            example: list[str] = []
            server_began = backends_cpu(args.pg_url, name)
            began = time.process_time()
            for path, body, headers in make[channel](args.requests, 2_000_000):
                before = len(sent)
                if profiler:
                    profiler.enable()
                response = client.get(path, headers=headers) if body is None else \
                    client.post(path, data=body, headers=headers)
                if profiler:
                    profiler.disable()
                statuses[response.status_code] += 1
                counts.append(len(sent) - before)
                if not example:
                    example = sent[before:]
            cpu = (time.process_time() - began) / args.requests * 1000
            server_ended = backends_cpu(args.pg_url, name)
            server = "" if server_began is None or server_ended is None else \
                f"; PostgreSQL backends' CPU per request {(server_ended - server_began) / args.requests * 1000:.2f} ms"
            print(f"{channel:9s} round trips per request: median {statistics.median(counts):g} "
                  f"(min {min(counts)}, max {max(counts)}) over {len(counts)} requests; answers {dict(statuses)}; "
                  f"CPU of this process per request {cpu:.1f} ms (the ceiling's {ceiling_cpu[channel]:.1f} ms: "
                  f"{ceiling_cpu[channel] / cpu:.0%}){server}" + (" [profiled]" if profiler else ""))
            if args.show_sql:
                for statement in example:
                    print(f"    {statement}")
            if profiler and args.profile_out:
                profiler.dump_stats(args.profile_out)
            if profiler:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
                print(out.getvalue())
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
                print(out.getvalue())
        engine.dispose()
        return 0
    finally:
        admin(args.pg_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
