"""Sustained complaint intake through gunicorn (2 workers) on PostgreSQL, each channel against its ceiling.

Sigap, on 127.0.0.1 only:
  api      POST /api/v1/complaints (token auth, routing, deadlines, audit event, outbox)
  sms      POST /webhooks/twilio/sms, validly signed, one complaint per message (LAPOR MAKAN ...)
  kannel   GET /webhooks/kannel/sms as Kannel's smsbox calls its get-url (secret, Kannel's message id,
           sender, short code 1708 mapped to Kannel): the same LAPOR MAKAN ..., the receipt queued in the outbox
  telegram POST /webhooks/telegram with the secret header, each update a new chat's /lapor
and next to each, its ceiling: bench/ceiling_app.py, the bare stack (Flask, SQLAlchemy Core, psycopg 3, the
same gunicorn.conf.py) doing the same protocol work (parse; check the signature or secret) and one INSERT in
autocommit, without pool pre-ping. The ceiling-api phase gets the API's JSON bodies, the other ceilings the
very same requests as Sigap. The API and SMS run next to a second bound too, stored-rows-api and
stored-rows-sms: the bare stack storing what Sigap must store for the report (reporter, complaint, two
events, the receipt; for SMS also the inbound message and the consent record) in Sigap's own tables, in one
statement (bench/ceiling_app.py): what the rows alone cost on this stack, whatever Sigap's Python does.

Load comes from wrk (a compiled load generator; Debian package `wrk`) replaying prepared, distinct requests
(bench/wrk_replay.lua), with its own CPU time recorded to show it is not the limit. Each channel and its
ceiling run back to back in several rounds (which goes first alternates), so a burst of someone else's work
on a shared machine falls on both alike; the figure is the median over rounds of Sigap's share of its
ceiling. At the end every 2xx answer is checked against the rows stored.

    python -m bench.intake_load --rounds 5 --phase-seconds 4 --concurrency 16
It makes its own database sigap_bench_<random> on the local server and drops it after."""
from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PUBLIC_BASE_URL = "https://sigap.bench.invalid"
TWILIO_TOKEN = "bench-auth-token-" + "0" * 16
TELEGRAM_SECRET = "bench-webhook-secret"
KANNEL_SECRET = "bench-kannel-secret-0123456789"
KANNEL_SHORT_CODE = "1708"
WRK = "wrk"
CHANNELS = ("api", "sms", "kannel", "telegram")
CEILING_OF = {channel: "ceiling-" + channel for channel in CHANNELS}
# The second bound of the API and of SMS: the bare stack storing Sigap's rows for the report (bench/ceiling_app.py).
STORED_ROWS_OF = {"api": "stored-rows-api", "sms": "stored-rows-sms"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def admin(pg_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql)


def run(cmd: list[str], env: dict) -> str:
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def wait_until_up(port: int, path: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"nothing answered on 127.0.0.1:{port} within {seconds}s")


def write_requests(path: Path, requests: list[tuple[str, bytes | None, dict]]) -> None:
    """The prepared requests as bench/wrk_replay.lua reads them: one a line, tab-separated."""
    with open(path, "w", encoding="utf-8") as out:
        for target, body, headers in requests:
            header_text = "\x1f".join(f"{name}\x1e{value}" for name, value in headers.items())
            text = "" if body is None else body.decode()
            if any(c in text or c in target or c in header_text for c in "\t\n"):
                raise ValueError("a prepared request holds a tab or a newline")
            out.write(f"{'GET' if body is None else 'POST'}\t{target}\t{header_text}\t{text}\n")


def load(port: int, requests_file: Path, connections: int, seconds: int, threads: int) -> dict:
    """One wrk run against 127.0.0.1:port for `seconds`, replaying `requests_file`. wrk's own CPU time
    (user + system, from the kernel's accounting of the finished child) is kept, to show the load
    generator is not what limits the rate."""
    cmd = [WRK, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s",
           str(ROOT / "bench" / "wrk_replay.lua"), f"http://127.0.0.1:{port}", "--", str(requests_file), str(threads)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    wall = time.monotonic() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = [line for line in done.stdout.splitlines() if line.startswith("WRK-JSON ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    report = json.loads(lines[-1][len("WRK-JSON "):])
    statuses = {int(code): count for code, count in report["statuses"].items()}
    failed = sum(report["errors"].values())
    if failed:
        statuses[0] = statuses.get(0, 0) + failed  # no answer at all (connect/read/write error, timeout)
    seconds_measured = report["duration_us"] / 1e6
    ok = sum(count for code, count in statuses.items() if 200 <= code < 300)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"seconds": seconds_measured, "requests": report["requests"], "ok": ok, "statuses": statuses,
            "per_second": round(ok / seconds_measured, 1) if seconds_measured > 0 else 0.0,
            "p50_ms": report["p50_us"] / 1000, "p90_ms": report["p90_us"] / 1000, "p99_ms": report["p99_us"] / 1000,
            "max_ms": report["max_us"] / 1000, "wrk_cpu_share": round(cpu / wall, 3) if wall > 0 else 0.0}


def phase_order(round_index: int, pair: list[str]) -> list[str]:
    """Round 0 runs Sigap then its ceiling, round 1 the ceiling then Sigap, and so on: the two stay next
    to each other and take turns going first, so neither always gets the quieter moment."""
    return list(pair) if round_index % 2 == 0 else list(reversed(pair))


def summarise(phases: list[dict]) -> dict:
    """A target's phases together: 2xx answers over the summed phase length; the worst phase's p99 and
    the median phase's p50 (wrk reports percentiles per run); status codes of all; wrk's busiest CPU share."""
    seconds = sum(p["seconds"] for p in phases)
    statuses: dict[int, int] = {}
    for p in phases:
        for code, count in p["statuses"].items():
            statuses[code] = statuses.get(code, 0) + count
    ok = sum(p["ok"] for p in phases)
    return {"ok": ok, "seconds": round(seconds, 2), "per_second": round(ok / seconds, 1) if seconds else 0.0,
            "p50_ms": round(statistics.median(p["p50_ms"] for p in phases), 1),
            "p99_ms": round(max(p["p99_ms"] for p in phases), 1),
            "max_ms": round(max(p["max_ms"] for p in phases), 1), "statuses": statuses,
            "wrk_cpu_share": max(p["wrk_cpu_share"] for p in phases)}


def shares(rounds: list[dict], target: str) -> list[float]:
    """Sigap's rate over its ceiling's, for each round (the two phases next to each other)."""
    ceiling = CEILING_OF[target]
    return [r[target] / r[ceiling] for r in rounds if r.get(ceiling) and target in r]


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def api_requests(n: int, token: str, offset: int) -> list:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    categories = ("hunger", "school_dropout", "uninhabitable_house", "lone_elderly", "medical_care")
    villages = ("Kemiren", "Genteng Kulon", "Kampunganyar", "Olehsari")
    out = []
    for i in range(offset, offset + n):
        body = {"jurisdiction": "banyuwangi", "category": categories[i % 5], "village": villages[i % 4],
                "description": f"Beban uji {i}: warga lansia tidak makan sejak kemarin",
                "reporter": {"name": f"Pelapor {i}", "phone": f"+62813{i:08d}"}}
        out.append(("/api/v1/complaints", json.dumps(body).encode(), headers))
    return out


def ceiling_requests(n: int, offset: int, path: str = "/complaints") -> list:
    return [(path, body, {"Content-Type": "application/json"}) for _p, body, _h in api_requests(n, "", offset)]


def stored_rows_requests(n: int, offset: int) -> list:
    return ceiling_requests(n, offset, "/complaints/stored-rows")


def stored_rows_sms_requests(n: int, offset: int) -> list:
    return [(path + "/stored-rows", body, headers) for path, body, headers in sms_requests(n, offset)]


def bound_requests(bound: str):
    """The request builder of a stored-rows bound (STORED_ROWS_OF's values)."""
    return {"stored-rows-api": stored_rows_requests, "stored-rows-sms": stored_rows_sms_requests}[bound]


def sms_requests(n: int, offset: int) -> list:
    from urllib.parse import urlencode

    from twilio.request_validator import RequestValidator

    validator = RequestValidator(TWILIO_TOKEN)
    out = []
    for i in range(offset, offset + n):
        form = {"MessageSid": f"SM{i:032d}", "AccountSid": "AC" + "0" * 32, "From": f"+62814{i:08d}",
                "To": "+6281100001111", "Body": f"LAPOR MAKAN Kemiren: beban uji {i}, nenek tidak makan",
                "NumMedia": "0"}
        signature = validator.compute_signature(PUBLIC_BASE_URL + "/webhooks/twilio/sms", form)
        out.append(("/webhooks/twilio/sms", urlencode(form).encode(),
                    {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}))
    return out


def kannel_requests(n: int, offset: int) -> list:
    """What smsbox's get-url asks for each citizen's SMS (a body of None: a GET)."""
    from urllib.parse import quote, urlencode

    out = []
    for i in range(offset, offset + n):
        query = urlencode({"secret": KANNEL_SECRET, "id": f"00000000-0000-4000-8000-{i:012d}",
                           "from": f"62815{i:08d}", "to": KANNEL_SHORT_CODE, "coding": "0", "charset": "UTF-8",
                           "smsc": "operator", "ts": "1795000000"})
        text = quote(f"LAPOR MAKAN Kemiren: beban uji {i}, nenek tidak makan")
        out.append((f"/webhooks/kannel/sms?{query}&text={text}", None, {}))
    return out


def telegram_requests(n: int, offset: int) -> list:
    out = []
    for i in range(offset, offset + n):
        chat = 900_000_000 + i
        update = {"update_id": 700_000_000 + i, "message": {
            "message_id": 1, "date": 1795000000, "text": "/lapor",
            "entities": [{"offset": 0, "length": 6, "type": "bot_command"}],
            "from": {"id": chat, "is_bot": False, "first_name": "Warga", "language_code": "id"},
            "chat": {"id": chat, "type": "private", "first_name": "Warga"}}}
        out.append(("/webhooks/telegram", json.dumps(update).encode(),
                    {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of every pair (default 5)")
    parser.add_argument("--phase-seconds", type=int, default=4, help="length of each wrk run (default 4)")
    parser.add_argument("--max-rate", type=int, default=3000,
                        help="requests prepared per phase: this many per second of the phase (default 3000)")
    parser.add_argument("--concurrency", type=int, default=16, help="wrk's connections (default 16)")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--pg-url", default=os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--only", default=",".join(CHANNELS), help=f"some of {','.join(CHANNELS)}")
    args = parser.parse_args(argv)
    channels = [t.strip() for t in args.only.split(",") if t.strip()]
    if not channels or any(t not in CHANNELS for t in channels) or args.rounds < 1 or args.phase_seconds < 1:
        raise SystemExit(f"--only takes some of {','.join(CHANNELS)}; --rounds and --phase-seconds at least 1")
    if urlparse(args.pg_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the benchmark runs against a PostgreSQL on this machine only")
    if not shutil.which(WRK):
        raise SystemExit("wrk is not installed: `apt-get install wrk` (make bench-intake does it when root)")
    name = "sigap_bench_" + secrets.token_hex(4)
    db_url = args.pg_url.rsplit("/", 1)[0] + "/" + name
    sigap_port, ceiling_port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": secrets.token_urlsafe(32), "SIGAP_PRODUCTION": "1",
           "SIGAP_AUDIT_KEY": secrets.token_hex(32),
           "SIGAP_RUN_SCHEDULER": "0", "WEB_CONCURRENCY": str(args.workers), "GUNICORN_THREADS": str(args.threads),
           "TELEGRAM_BOT_TOKEN": "123456:BENCH", "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
           "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9", "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
           "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "TWILIO_FROM_NUMBER": "+6281100001111",
           "TWILIO_API_BASE_URL": "http://127.0.0.1:9", "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
           "GUNICORN_MAX_REQUESTS": "0", "KANNEL_SENDSMS_URL": "http://127.0.0.1:9/cgi-bin/sendsms",
           "KANNEL_USERNAME": "bench", "KANNEL_PASSWORD": "bench", "KANNEL_SECRET": KANNEL_SECRET}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    servers: list[subprocess.Popen] = []
    admin(args.pg_url, f"CREATE DATABASE {name}")
    scratch = Path(tempfile.mkdtemp(prefix="sigap-bench-"))
    try:
        print(f"load average at the start: {loadavg()} ({os.cpu_count()} cores, shared)", flush=True)
        print(f"database {name}; migrating and seeding ...", flush=True)
        run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], env)
        run([str(BIN / "flask"), "--app", "wsgi", "seed", "demo"], env)
        run([str(BIN / "flask"), "--app", "wsgi", "sms", "map-number", KANNEL_SHORT_CODE, "banyuwangi",
             "--gateway", "kannel"], env)
        token = run([str(BIN / "flask"), "--app", "wsgi", "tokens", "create", "--role", "supervisor",
                     "--jurisdiction", "banyuwangi", "--name", "bench"], env).strip().splitlines()[-1]
        logs = open(scratch / "gunicorn.log", "w")
        servers.append(subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--preload", "bench.ceiling_app:app"], cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{ceiling_port}"}, stdout=logs, stderr=logs))
        servers.append(subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "bench.sigap_wsgi:app"], cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{sigap_port}"}, stdout=logs, stderr=logs))
        wait_until_up(ceiling_port, "/")
        wait_until_up(sigap_port, "/healthz")
        make = {"api": lambda k, o: api_requests(k, token, o), "sms": sms_requests, "kannel": kannel_requests,
                "telegram": telegram_requests}
        plans = {}
        for channel in channels:
            plans[channel] = (sigap_port, make[channel])
            plans[CEILING_OF[channel]] = (ceiling_port, ceiling_requests if channel == "api" else make[channel])
            if channel in STORED_ROWS_OF:
                plans[STORED_ROWS_OF[channel]] = (ceiling_port, bound_requests(STORED_ROWS_OF[channel]))
        per_phase = args.phase_seconds * args.max_rate
        print(f"{args.workers} gunicorn workers x {args.threads} threads each side; load from wrk "
              f"({args.wrk_threads} threads, {args.concurrency} connections); {args.rounds} rounds of "
              f"{', '.join(channels)}, each next to its ceiling (order reversed every other round), "
              f"{args.phase_seconds} s per phase ({per_phase} distinct requests prepared per phase)", flush=True)
        offset = iter(range(1, 10_000))
        answered: dict[str, int] = {}
        for target in plans:  # not counted: first connections, imports, caches, prepared statements
            port, prepare = plans[target]
            path = scratch / f"warm-{target}.txt"
            write_requests(path, prepare(2 * per_phase // args.phase_seconds, next(offset) * 1_000_000))
            warm = load(port, path, args.concurrency, 1, args.wrk_threads)
            answered[target] = warm["ok"]
        phases: dict[str, list[dict]] = {t: [] for t in plans}
        rounds: list[dict] = []
        for index in range(args.rounds):
            rates = {}
            for channel in channels:
                group = [channel, CEILING_OF[channel]] + ([STORED_ROWS_OF[channel]] if channel in STORED_ROWS_OF else [])
                for target in phase_order(index, group):
                    port, prepare = plans[target]
                    path = scratch / f"{target}.txt"
                    write_requests(path, prepare(per_phase, next(offset) * 1_000_000))
                    result = load(port, path, args.concurrency, args.phase_seconds, args.wrk_threads)
                    phases[target].append(result)
                    rates[target] = result["per_second"]
                    answered[target] += result["ok"]
            rounds.append(rates)
            line = "  ".join(f"{c} {rates[c]:6.1f}/{rates[CEILING_OF[c]]:6.1f} ({rates[c] / rates[CEILING_OF[c]]:4.0%})"
                             if rates[CEILING_OF[c]] else f"{c} {rates[c]:6.1f}/0" for c in channels)
            line += "".join(f"  ({bound} {rates[bound]:6.1f})" for bound in STORED_ROWS_OF.values() if bound in rates)
            print(f"  round {index + 1}: req/s Sigap/ceiling  {line}   (load {loadavg()})", flush=True)
        results: dict = {"rounds": rounds, "load_average_end": loadavg()}
        print("all rounds together (req/s: 2xx answers inside the phases; p50 the median phase's, p99 the worst "
              "phase's; wrk CPU: the busiest phase's, in cores):")
        for target in plans:
            r = results[target] = summarise(phases[target])
            print(f"  {target:17s} {r['ok']:6d} 2xx in {r['seconds']:6.2f} s  {r['per_second']:8.1f} req/s  "
                  f"p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  max {r['max_ms']:6.1f} ms  "
                  f"wrk CPU {r['wrk_cpu_share']:.2f}  {r['statuses']}", flush=True)
        print("median share of the ceiling over the paired rounds (target: api at least 50 %, sms and telegram "
              "at least 40 %; p99 under 250 ms):")
        for channel in channels:
            paired = shares(rounds, channel)
            if not paired:
                continue
            median = statistics.median(paired)
            results[f"{channel}_share_of_ceiling"] = {"median": round(median, 3), "min": round(min(paired), 3),
                                                      "max": round(max(paired), 3)}
            print(f"  {channel:9s} {median:4.0%} (rounds {min(paired):.0%}-{max(paired):.0%})", flush=True)
        for channel, bound_name in STORED_ROWS_OF.items():
            if bound_name not in plans:
                continue
            bound = [r[bound_name] / r[CEILING_OF[channel]] for r in rounds if r.get(CEILING_OF[channel])]
            of_bound = [r[channel] / r[bound_name] for r in rounds if r.get(bound_name)]
            if bound and of_bound:
                results[f"{bound_name}_share_of_ceiling"] = round(statistics.median(bound), 3)
                results[f"{channel}_share_of_{bound_name}"] = round(statistics.median(of_bound), 3)
                print(f"  the bare stack storing Sigap's rows for {'an API' if channel == 'api' else 'an SMS'} report "
                      f"({bound_name}) is itself at {statistics.median(bound):.0%} of the ceiling (rounds "
                      f"{min(bound):.0%}-{max(bound):.0%}); Sigap's {channel} is at {statistics.median(of_bound):.0%} "
                      f"of it (rounds {min(of_bound):.0%}-{max(of_bound):.0%})", flush=True)
        import psycopg

        with psycopg.connect(db_url) as conn:
            complaints = dict(conn.execute("SELECT channel, count(*) FROM complaints WHERE submitted_by <> "
                                           "'ceiling:stored-rows' GROUP BY channel").fetchall())
            stored_rows = dict(conn.execute("SELECT channel, count(*) FROM complaints WHERE submitted_by = "
                                            "'ceiling:stored-rows' GROUP BY channel").fetchall())
            updates = conn.execute("SELECT count(*) FROM telegram_updates").fetchone()[0]
            kannel = conn.execute("SELECT count(*) FROM sms_inbound_messages WHERE complaint_id IS NOT NULL "
                                  "AND message_sid LIKE 'kannel:%%'").fetchone()[0]
            ceiling_rows = dict(conn.execute("SELECT channel, count(*) FROM bench_ceiling_rows "
                                             "GROUP BY channel").fetchall())
        stored = {"api": complaints.get("api", 0), "sms": complaints.get("sms", 0) - kannel, "kannel": kannel,
                  "telegram": updates}  # an SMS through Kannel is an "sms" complaint too
        for channel in ("api", "sms", "kannel", "telegram"):
            stored["ceiling-" + channel] = ceiling_rows.get(channel, 0)
        for channel, bound_name in STORED_ROWS_OF.items():
            stored[bound_name] = stored_rows.get(channel, 0)
        print("2xx answers (with the warm-up) against rows stored: " + "; ".join(
            f"{t} {answered[t]}/{stored[t]}" for t in plans))
        # A row more than answers is a request still in flight when wrk stopped (stored, its answer not
        # counted): at most one per connection per run. A 2xx without its row is a lost report.
        missing = {t: answered[t] - stored[t] for t in plans if answered[t] > stored[t]}
        print(f"every 2xx stored: {'yes' if not missing else f'NO, 2xx answers without a row: {missing}'}")
        results["stored"] = {t: stored[t] for t in plans}
        results["answered"] = answered
        print(f"load average at the end: {loadavg()}")
        print(json.dumps(results))
        return 0 if not missing else 1
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(scratch, ignore_errors=True)
        admin(args.pg_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
