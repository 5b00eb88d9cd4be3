"""Sustained complaint intake through gunicorn (2 workers) on PostgreSQL, against the ceiling.

In one run, on 127.0.0.1 only, with bounded request counts and time:
  ceiling  POST /complaints to bench/ceiling_app.py (bare Flask + SQLAlchemy, one INSERT)
  api      POST /api/v1/complaints to Sigap (token auth, routing, deadlines, audit event, outbox)
  sms      POST /webhooks/twilio/sms, validly signed, one complaint per message (LAPOR MAKAN ...)
  kannel   GET /webhooks/kannel/sms as Kannel's smsbox calls its get-url (secret, Kannel's message id,
           sender, short code 1708 mapped to Kannel, the text as %b): the same LAPOR MAKAN ..., the receipt
           queued in the outbox for sendsms instead of answered in the response
  telegram POST /webhooks/telegram with the secret header, each update a new chat's /lapor
The targets take turns in several rounds of equal, fixed-length phases (order reversed every other
round), so a burst of someone else's work on a shared machine falls on both sides alike. Prints each
round's requests/s, the median over rounds of Sigap's share of the ceiling (each round's API phase
against the ceiling phase next to it), and all rounds together with p50/p90/p99 latency.

    python -m bench.intake_load --rounds 5 --max-seconds 50 --requests 2000 --concurrency 16
It makes its own database sigap_bench_<random> on the local server and drops it after."""
from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
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


def load(port: int, requests: list[tuple[str, bytes, dict]], concurrency: int, max_seconds: float) -> dict:
    """Send the prepared requests with `concurrency` keep-alive connections for max_seconds (or until
    they run out). Throughput counts the requests that finished inside the phase, over the phase's
    length: the requests still in flight when it ends finish afterwards (their latency is kept) and
    are not counted, so a target with longer latencies is not charged for its slower drain."""
    latencies: list[float] = []
    finished_at: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    cursor = iter(range(len(requests)))
    began = time.perf_counter()
    stop_at = began + max_seconds

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, ends, codes = [], [], {}
        while time.perf_counter() < stop_at:
            with lock:
                index = next(cursor, None)
            if index is None:
                break
            path, body, headers = requests[index]
            started = time.perf_counter()
            try:
                conn.request("GET" if body is None else "POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                code = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                code = 0
            ended = time.perf_counter()
            mine.append(ended - started)
            ends.append(ended)
            codes[code] = codes.get(code, 0) + 1
        conn.close()
        with lock:
            latencies.extend(mine)
            finished_at.extend(ends)
            for code, count in codes.items():
                statuses[code] = statuses.get(code, 0) + count

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    last = max(finished_at, default=began)
    window = min(stop_at, last) - began  # shorter when the prepared requests ran out first
    inside = sum(1 for t in finished_at if t <= began + window)
    return {"seconds": window, "latencies": latencies, "statuses": statuses, "counted": inside,
            "per_second": round(inside / window, 1) if window > 0 else 0.0}


def phase_order(round_index: int, targets: list[str]) -> list[str]:
    """Round 0 runs the targets in the given order, round 1 in reverse, and so on (ABBA): the ceiling and
    the API stay next to each other and take turns going first, so neither always gets the quieter moment."""
    return list(targets) if round_index % 2 == 0 else list(reversed(targets))


def summarise(phases: list[dict]) -> dict:
    """A target's phases together: requests finished inside its phases over their summed length;
    percentiles of every latency (those that finished after a phase's end too); status codes of all."""
    latencies = sorted(x for p in phases for x in p["latencies"])
    seconds = sum(p["seconds"] for p in phases)
    statuses: dict[int, int] = {}
    for p in phases:
        for code, count in p["statuses"].items():
            statuses[code] = statuses.get(code, 0) + count

    def pct(q):
        return round(latencies[min(int(len(latencies) * q), len(latencies) - 1)] * 1000, 1) if latencies else None

    counted = sum(p["counted"] for p in phases)
    return {"requests": len(latencies), "counted": counted, "seconds": round(seconds, 2),
            "per_second": round(counted / seconds, 1) if seconds else 0.0,
            "p50_ms": pct(0.50), "p90_ms": pct(0.90), "p99_ms": pct(0.99), "statuses": statuses}


def shares(rounds: list[dict], target: str) -> list[float]:
    """target / ceiling throughput for each round that measured both (the ceiling phase next to it)."""
    return [r[target] / r["ceiling"] for r in rounds if r.get("ceiling") and target in r]


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


def ceiling_requests(n: int, offset: int) -> list:
    return [("/complaints", body, {"Content-Type": "application/json"}) for _p, body, _h in api_requests(n, "", offset)]


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
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of every target (default 5)")
    parser.add_argument("--max-seconds", type=float, default=50,
                        help="measuring time of the whole run, split evenly into one phase per target per round "
                             "(default 50: 5 rounds x 5 targets x 2 s)")
    parser.add_argument("--requests", type=int, default=5000, help="at most this many requests per phase (default 5000)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--pg-url", default=os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--only", default="ceiling,api,sms,kannel,telegram")
    args = parser.parse_args(argv)
    targets = [t.strip() for t in args.only.split(",") if t.strip()]
    if not targets or any(t not in ("ceiling", "api", "sms", "kannel", "telegram") for t in targets) \
            or args.rounds < 1:
        raise SystemExit("--only takes some of ceiling,api,sms,kannel,telegram; --rounds at least 1")
    if urlparse(args.pg_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the benchmark runs against a PostgreSQL on this machine only")
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
    try:
        print(f"load average at the start: {loadavg()}", flush=True)
        print(f"database {name}; migrating and seeding ...", flush=True)
        run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], env)
        run([str(BIN / "flask"), "--app", "wsgi", "seed", "demo"], env)
        run([str(BIN / "flask"), "--app", "wsgi", "sms", "map-number", KANNEL_SHORT_CODE, "banyuwangi",
             "--gateway", "kannel"], env)
        token = run([str(BIN / "flask"), "--app", "wsgi", "tokens", "create", "--role", "supervisor",
                     "--jurisdiction", "banyuwangi", "--name", "bench"], env).strip().splitlines()[-1]
        logs = open(os.devnull, "w")
        servers.append(subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--preload", "bench.ceiling_app:app"], cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{ceiling_port}"}, stdout=logs, stderr=logs))
        servers.append(subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "bench.sigap_wsgi:app"], cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{sigap_port}"}, stdout=logs, stderr=logs))
        wait_until_up(ceiling_port, "/")
        wait_until_up(sigap_port, "/healthz")
        plans = {
            "ceiling": (ceiling_port, lambda k, o: ceiling_requests(k, o)),
            "api": (sigap_port, lambda k, o: api_requests(k, token, o)),
            "sms": (sigap_port, lambda k, o: sms_requests(k, o)),
            "kannel": (sigap_port, lambda k, o: kannel_requests(k, o)),
            "telegram": (sigap_port, lambda k, o: telegram_requests(k, o)),
        }
        phase_seconds = args.max_seconds / (args.rounds * len(targets))
        cap = max(1, min(args.requests, 1_000_000 - 1))
        print(f"{args.workers} gunicorn workers x {args.threads} threads each side; {args.rounds} rounds of "
              f"{', '.join(targets)} (order reversed every other round), {phase_seconds:.1f} s (at most {cap} "
              f"requests) per phase, {args.concurrency} concurrent connections", flush=True)
        warmed = {}
        for target in targets:  # not counted: first connections, imports, caches, prepared statements
            port, make = plans[target]
            warmed[target] = load(port, make(min(100, cap), 50_000_000), min(args.concurrency, 4), 20)
        phases: dict[str, list[dict]] = {t: [] for t in targets}
        rounds: list[dict] = []
        for index in range(args.rounds):
            rates = {}
            for target in phase_order(index, targets):
                port, make = plans[target]
                prepared = make(cap, (index + 1) * 1_000_000)  # unique phones, message and update ids
                result = load(port, prepared, args.concurrency, phase_seconds)
                phases[target].append(result)
                rates[target] = result["per_second"]
            rounds.append(rates)
            line = "  ".join(f"{t} {rates[t]:7.1f}" for t in targets)
            if "ceiling" in rates and "api" in rates:
                line += f"  api share {rates['api'] / rates['ceiling']:4.0%}"
            print(f"  round {index + 1}: req/s  {line}   (load {loadavg()})", flush=True)
        results: dict = {"rounds": rounds}
        print("all rounds together (req/s: requests finished inside the phases; latency and status codes: all):")
        for target in targets:
            r = results[target] = summarise(phases[target])
            print(f"  {target:9s} {r['counted']:6d} req in {r['seconds']:6.2f} s  {r['per_second']:8.1f} req/s  "
                  f"p50 {r['p50_ms']:7.1f} ms  p90 {r['p90_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  {r['statuses']}",
                  flush=True)
        if "ceiling" in targets:
            for target in ("api", "sms", "kannel", "telegram"):
                paired = shares(rounds, target)
                if not paired:
                    continue
                median = statistics.median(paired)
                overall = results[target]["per_second"] / results["ceiling"]["per_second"]
                results[f"{target}_share_of_ceiling"] = {"median": round(median, 3), "min": round(min(paired), 3),
                                                         "max": round(max(paired), 3), "totals": round(overall, 3)}
                if target == "api":
                    print(f"Sigap API intake: median share of the ceiling over {len(paired)} paired rounds "
                          f"{median:.0%} (rounds {min(paired):.0%}-{max(paired):.0%}; all rounds together "
                          f"{overall:.0%}); target: at least 50%")
                else:
                    print(f"  {target} webhook: median {median:.0%} of the ceiling (rounds "
                          f"{min(paired):.0%}-{max(paired):.0%})")
        import psycopg

        with psycopg.connect(db_url) as conn:
            stored = conn.execute("SELECT channel, count(*) FROM complaints GROUP BY channel ORDER BY 1").fetchall()
        if "api" in targets:
            answered = results["api"]["statuses"].get(201, 0) + warmed["api"]["statuses"].get(201, 0)
            print(f"complaints stored by channel: {dict(stored)}; API 201 answers (with warm-up): {answered}; "
                  f"missing: {answered - dict(stored).get('api', 0)}")
        results["stored"] = dict(stored)
        print(f"load average at the end: {loadavg()}")
        print(json.dumps(results))
        return 0
    finally:
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
