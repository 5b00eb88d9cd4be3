"""Fault checks for Sigap's production shape on 127.0.0.1 (`make faults`; not part of `make test`).

Starts gunicorn (2 workers) and two `python -m jobs` on a fresh PostgreSQL database, with the fake
Telegram Bot API and fake Twilio of tests/integration/{telegram,sms}, then checks:
  duplicates  a flood of duplicate webhooks (SMS MessageSid, Telegram update_id, API Idempotency-Key)
              makes one complaint / one update each
  scheduler   a scheduler killed (SIGKILL) while firing hundreds of overdue steps: every step fires,
              none twice
  providers   Telegram and Twilio down for a while: every message is delivered after they return,
              none twice
  postgres    PostgreSQL restarted in the middle of a load (API, SMS and Telegram): nothing that got a
              200/201 is missing; meanwhile clients get 503 with Retry-After, never a stack trace.
              It restarts the whole local server, so it runs only when asked: --with-postgres-restart

    .venv/bin/python scripts/faults.py [--only duplicates,scheduler,providers] [--with-postgres-restart]
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = ROOT / ".venv" / "bin"

from tests.integration.sms.conftest import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio  # noqa: E402
from tests.integration.telegram.conftest import BOT_TOKEN, FakeBotApi  # noqa: E402

PUBLIC_BASE_URL = "https://sigap.faults.invalid"
TELEGRAM_SECRET = "faults-webhook-secret"
RESULTS: list[tuple[str, bool, str]] = []


def check(name: str, ok: bool, detail: str = "") -> bool:
    RESULTS.append((name, ok, detail))
    print(f"  {'ok  ' if ok else 'FAIL'} {name}" + (f" ({detail})" if detail else ""), flush=True)
    return ok


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Restartable:
    """A fake provider that can go down (connection refused) and come back on the same port."""

    def __init__(self, fake):
        self.fake, self.port = fake, fake.server.server_address[1]
        fake.start()

    def down(self):
        self.fake.server.shutdown()
        self.fake.server.server_close()

    def up(self):
        self.fake.server = ThreadingHTTPServer(("127.0.0.1", self.port), self.fake._handler())
        self.fake.thread = threading.Thread(target=self.fake.server.serve_forever, daemon=True)
        self.fake.thread.start()


class Stack:
    """A fresh database, gunicorn with 2 workers and two schedulers, all on 127.0.0.1."""

    def __init__(self, pg_url: str, telegram_url: str, twilio_url: str, workdir: Path):
        self.pg_url, self.workdir = pg_url, workdir
        self.name = "sigap_faults_" + secrets.token_hex(4)
        self.db_url = pg_url.rsplit("/", 1)[0] + "/" + self.name
        self.port = free_port()
        self.env = {**os.environ, "DATABASE_URL": self.db_url, "SECRET_KEY": secrets.token_urlsafe(32),
                    "SIGAP_AUDIT_KEY": secrets.token_hex(32), "SIGAP_PRODUCTION": "1", "SIGAP_RUN_SCHEDULER": "0", "WEB_CONCURRENCY": "2",
                    "GUNICORN_THREADS": "4", "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                    "TELEGRAM_BOT_TOKEN": BOT_TOKEN, "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
                    "TELEGRAM_API_BASE_URL": telegram_url, "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                    "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_FROM_NUMBER": FROM_NUMBER,
                    "TWILIO_API_BASE_URL": twilio_url, "PUBLIC_BASE_URL": PUBLIC_BASE_URL}
        for key in ("PROMETHEUS_MULTIPROC_DIR", "TWILIO_EDGE", "TWILIO_REGION"):
            self.env.pop(key, None)
        self.web: subprocess.Popen | None = None
        self.jobs: list[subprocess.Popen] = []
        self.tokens: list[str] = []
        self._next_token = iter(range(10**9))

    def sql(self, statement: str, *params):
        import psycopg

        with psycopg.connect(self.db_url, autocommit=True) as conn:
            return conn.execute(statement, params).fetchall()

    def _admin(self, statement: str):
        import psycopg

        with psycopg.connect(self.pg_url, autocommit=True) as conn:
            conn.execute(statement)

    def _cli(self, *args) -> str:
        done = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=300)
        if done.returncode:
            raise SystemExit(f"flask {' '.join(args)} failed: {done.stderr[-2000:]}")
        return done.stdout

    def start(self):
        self._admin(f"CREATE DATABASE {self.name}")
        self._cli("db", "upgrade")
        self._cli("seed", "demo")
        # Several tokens: the API limits each token (120 a minute by default), and the checks file hundreds.
        self.tokens = [self._cli("tokens", "create", "--role", "supervisor", "--jurisdiction", "banyuwangi",
                                 "--name", f"faults {n}").strip().splitlines()[-1] for n in range(8)]
        self.start_web()
        self.jobs = [self.start_jobs(i) for i in (1, 2)]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status, _h, _b = self.request("GET", "/healthz")
            if status in (200, 503):
                return
            time.sleep(0.3)
        raise SystemExit("the web tier did not come up")

    def start_web(self):
        log = open(self.workdir / "web.log", "ab")
        self.web = subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                                    env=self.env, stdout=log, stderr=log)

    def start_jobs(self, number: int) -> subprocess.Popen:
        log = open(self.workdir / f"jobs{number}.log", "ab")
        return subprocess.Popen([str(BIN / "python"), "-m", "jobs"], cwd=ROOT, env=self.env, stdout=log, stderr=log)

    def stop(self):
        for proc in [self.web, *self.jobs]:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [self.web, *self.jobs]:
            if proc is not None:
                try:
                    proc.wait(timeout=40)
                except subprocess.TimeoutExpired:
                    proc.kill()
        try:
            self._admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        except Exception as exc:  # noqa: BLE001 - report, do not hide the real result
            print(f"could not drop {self.name}: {exc}")

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                timeout: float = 15):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        except (OSError, http.client.HTTPException) as exc:
            return None, {}, str(exc).encode()
        finally:
            conn.close()

    def post_complaint(self, body: dict, extra_headers: dict | None = None, token: str | None = None):
        token = token or self.tokens[next(self._next_token) % len(self.tokens)]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **(extra_headers or {})}
        return self.request("POST", "/api/v1/complaints", json.dumps(body).encode(), headers)


def complaint(i: int, **fields) -> dict:
    body = {"jurisdiction": "banyuwangi", "category": ("hunger", "school_dropout", "lone_elderly")[i % 3],
            "village": "Kemiren", "description": f"Uji gangguan {i}: warga tidak makan",
            "reporter": {"name": f"Warga {i}", "phone": f"+62816{i:08d}"}}
    body.update(fields)
    return body


def signed_sms(sid: str, sender: str, text: str) -> tuple[bytes, dict]:
    from twilio.request_validator import RequestValidator

    form = {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": sender, "To": FROM_NUMBER, "Body": text,
            "NumMedia": "0"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE_URL + "/webhooks/twilio/sms", form)
    return urlencode(form).encode(), {"Content-Type": "application/x-www-form-urlencoded",
                                       "X-Twilio-Signature": signature}


def flood(fn, times: int, concurrency: int = 16) -> list:
    with cf.ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(lambda _i: fn(), range(times)))


# ---- the checks --------------------------------------------------------------------------------

def duplicates(stack: Stack, copies: int = 120) -> None:
    print("duplicates: the same webhook or request many times at once", flush=True)
    body, headers = signed_sms("SM" + "d" * 32, "+6281277770001", "LAPOR MAKAN Kemiren: nenek tidak makan dua hari")
    statuses = flood(lambda: stack.request("POST", "/webhooks/twilio/sms", body, headers)[0], copies)
    made = stack.sql("SELECT count(*) FROM sms_inbound_messages WHERE message_sid = %s", "SM" + "d" * 32)[0][0]
    complaints = stack.sql("SELECT count(*) FROM complaints c JOIN reporters r ON r.id = c.reporter_id "
                           "WHERE r.phone = %s", "+6281277770001")[0][0]
    check("SMS: one MessageSid sent %d times -> one complaint" % copies, complaints == 1 and made == 1
          and set(statuses) == {200}, f"complaints {complaints}, statuses {sorted(set(statuses), key=str)}")

    update = {"update_id": 990000001, "message": {
        "message_id": 1, "date": 1795000000, "text": "/lapor", "entities": [{"offset": 0, "length": 6,
                                                                            "type": "bot_command"}],
        "from": {"id": 880000001, "is_bot": False, "first_name": "Warga"},
        "chat": {"id": 880000001, "type": "private", "first_name": "Warga"}}}
    raw = json.dumps(update).encode()
    tg_headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    statuses = flood(lambda: stack.request("POST", "/webhooks/telegram", raw, tg_headers)[0], copies)
    rows = stack.sql("SELECT count(*) FROM telegram_updates WHERE update_id = 990000001")[0][0]
    replies = stack.sql("SELECT count(*) FROM outbox_messages WHERE channel = 'telegram' AND recipient = '880000001'")[0][0]
    check("Telegram: one update_id sent %d times -> handled once, one reply" % copies,
          rows == 1 and replies == 1 and set(statuses) == {200}, f"rows {rows}, replies {replies}, statuses {set(statuses)}")

    key = {"Idempotency-Key": "faults-" + secrets.token_hex(6)}
    body = complaint(424242, description="Satu laporan, dikirim berulang kali")
    answers = flood(lambda: stack.post_complaint(body, key, token=stack.tokens[0]), copies // 2)
    tickets = {json.loads(b)["ticket"] for s, _h, b in answers if s == 201}
    stored = stack.sql("SELECT count(*) FROM complaints WHERE description = %s", body["description"])[0][0]
    codes = sorted({s for s, _h, _b in answers}, key=str)
    check("API: one Idempotency-Key sent %d times -> one complaint" % (copies // 2),
          stored == 1 and len(tickets) <= 1, f"stored {stored}, tickets {len(tickets)}, statuses {codes}")


def scheduler(stack: Stack, count: int = 300) -> None:
    print("scheduler: one of two schedulers killed while firing overdue steps", flush=True)
    # Stop both, file complaints received 5 hours ago (every step overdue), then start and kill one.
    for proc in stack.jobs:
        proc.send_signal(signal.SIGTERM)
    for proc in stack.jobs:
        proc.wait(timeout=60)
    received = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=5)).isoformat(timespec="seconds")
    with cf.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: stack.post_complaint(complaint(10_000 + i, received_at=received)),
                                range(count)))
    tickets = [json.loads(b)["ticket"] for s, _h, b in answers if s == 201]
    check(f"{count} overdue complaints filed", len(tickets) == count, f"{len(tickets)} got 201")
    first, second = stack.start_jobs(1), stack.start_jobs(2)
    stack.jobs = [first, second]
    # Kill the first as soon as it has fired some steps but far from all.
    deadline = time.monotonic() + 60
    fired = 0
    while time.monotonic() < deadline:
        fired = stack.sql("SELECT count(*) FROM events e JOIN complaints c ON c.id = e.complaint_id "
                          "WHERE c.ticket = ANY(%s) AND e.kind IN ('reminded','warned','breached','escalated')",
                          tickets)[0][0]
        if fired >= count // 2:
            break
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    print(f"  killed scheduler 1 (pid {first.pid}) after {fired} steps", flush=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        due = stack.sql("SELECT count(*) FROM complaints WHERE ticket = ANY(%s) AND next_step_at <= now()", tickets)[0][0]
        if due == 0:
            break
        time.sleep(1)
    check("every overdue step fired after the kill", due == 0, f"{due} complaints still due")
    doubled = stack.sql(
        "SELECT count(*) FROM (SELECT e.complaint_id, e.data->>'step' AS step FROM events e "
        "JOIN complaints c ON c.id = e.complaint_id WHERE c.ticket = ANY(%s) "
        "AND e.kind IN ('reminded','warned','breached','escalated') GROUP BY 1, 2 HAVING count(*) > 1) d", tickets)[0][0]
    breaches = stack.sql("SELECT kind, count(*) FROM breaches b JOIN complaints c ON c.id = b.complaint_id "
                         "WHERE c.ticket = ANY(%s) GROUP BY kind ORDER BY kind", tickets)
    check("no step fired twice", doubled == 0, f"{doubled} doubled; breaches {dict(breaches)}")
    check("one acknowledge and one handle breach per complaint",
          dict(breaches).get("acknowledge") == len(tickets) and dict(breaches).get("handle") == len(tickets),
          str(dict(breaches)))
    stack.jobs = [second, stack.start_jobs(1)]


def providers(stack: Stack, telegram: Restartable, twilio: Restartable, count: int = 40, down_for: float = 20) -> None:
    print(f"providers: Telegram and Twilio down for {down_for:.0f} s", flush=True)
    telegram.down()
    twilio.down()
    before_tg, before_tw = len(telegram.fake.calls("sendMessage")), len(twilio.fake.sent)
    tickets = []
    for i in range(count):
        reporter = ({"name": f"Warga {i}", "telegram_chat_id": 770000000 + i} if i % 2
                    else {"name": f"Warga {i}", "phone": f"+62817{i:08d}"})
        status, _h, body = stack.post_complaint(complaint(20_000 + i, reporter=reporter))
        if status == 201:
            tickets.append(json.loads(body)["ticket"])
    time.sleep(down_for)
    failed = stack.sql("SELECT count(*) FROM outbox_messages WHERE status IN ('failed','sending') AND attempts > 0")[0][0]
    check("sends failed while the providers were down", failed > 0, f"{failed} messages waiting to retry")
    telegram.up()
    twilio.up()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        waiting = stack.sql("SELECT count(*) FROM outbox_messages WHERE status IN ('pending','failed','sending') "
                            "AND channel IN ('telegram','sms','whatsapp')")[0][0]
        if waiting == 0:
            break
        time.sleep(2)
    rows = stack.sql("SELECT channel, status, count(*) FROM outbox_messages WHERE channel IN "
                     "('telegram','sms','whatsapp') GROUP BY 1, 2 ORDER BY 1, 2")
    check("every message delivered after they came back", waiting == 0 and not any(s == "dead" for _c, s, _n in rows),
          str(rows))
    sent_rows = stack.sql("SELECT count(*) FROM outbox_messages WHERE status = 'sent' AND channel = 'telegram'")[0][0]
    # Replies given inline as TwiML (provider id "twiml:...") never go through the REST API.
    sms_rows = stack.sql("SELECT count(*) FROM outbox_messages WHERE status = 'sent' AND channel IN ('sms','whatsapp') "
                         "AND provider_id NOT LIKE 'twiml:%%'")[0][0]
    tg_calls = telegram.fake.calls("sendMessage")
    tw_calls = twilio.fake.sent
    tg_keys = [(c.get("chat_id"), c.get("text")) for c in tg_calls]
    tw_keys = [(c.get("To"), c.get("Body")) for c in tw_calls]
    check("none delivered twice (Telegram)", len(tg_calls) == sent_rows and len(set(tg_keys)) == len(tg_keys),
          f"{len(tg_calls)} sendMessage calls for {sent_rows} sent rows ({before_tg} before)")
    check("none delivered twice (Twilio)", len(tw_calls) == sms_rows and len(set(tw_keys)) == len(tw_keys),
          f"{len(tw_calls)} Messages.json calls for {sms_rows} sent rows ({before_tw} before)")


def postgres_restart(stack: Stack, seconds: float = 25, not_before: str | None = None) -> None:
    if not_before:
        hour, minute = (int(x) for x in not_before.split(":"))
        now = dt.datetime.now(dt.timezone.utc)
        start = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if start > now:
            print(f"postgres: waiting until {not_before} UTC to restart the shared server", flush=True)
            time.sleep((start - now).total_seconds())
    print("postgres: PostgreSQL restarted in the middle of a load", flush=True)
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    stop_at = time.monotonic() + seconds
    results: list[tuple] = []
    finished: list[float] = []
    lock = threading.Lock()
    counter = iter(range(10**9))

    def client():
        while time.monotonic() < stop_at:
            with lock:
                i = next(counter)
            kind = ("api", "sms", "telegram")[i % 3]
            if kind == "api":
                status, headers, body = stack.post_complaint(complaint(30_000 + i))
                key = json.loads(body)["ticket"] if status == 201 else None
            elif kind == "sms":
                key = f"SMdead{i:028x}"  # Twilio's shape: SM and 32 hex digits
                raw, sms_headers = signed_sms(key, f"+62818{i:08d}", f"LAPOR MAKAN Kemiren: uji restart {i}")
                status, headers, body = stack.request("POST", "/webhooks/twilio/sms", raw, sms_headers)
            else:
                key = 960_000_000 + i
                update = {"update_id": key, "message": {
                    "message_id": 1, "date": 1795000000, "text": "/lapor",
                    "entities": [{"offset": 0, "length": 6, "type": "bot_command"}],
                    "from": {"id": 850_000_000 + i, "is_bot": False, "first_name": "Warga"},
                    "chat": {"id": 850_000_000 + i, "type": "private", "first_name": "Warga"}}}
                status, headers, body = stack.request("POST", "/webhooks/telegram", json.dumps(update).encode(), {
                    "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
            with lock:
                results.append((status, headers.get("Retry-After"), body, kind, key))
                finished.append(time.monotonic())

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(4)
    restart = subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
                             capture_output=True, text=True, timeout=120)
    restarted_at = time.monotonic()
    print(f"  restarted PostgreSQL {version}: exit {restart.returncode} {restart.stderr.strip()[:200]}", flush=True)
    for thread in threads:
        thread.join()
    accepted = {kind: [key for s, _r, _b, k, key in results if k == kind and s in (200, 201)]
                for kind in ("api", "sms", "telegram")}
    others = [(s, r, b) for s, r, b, _k, _key in results if s not in (200, 201)]
    unavailable = [x for x in others if x[0] == 503]
    check("load ran through the restart", all(accepted.values()) and restart.returncode == 0,
          f"accepted {({k: len(v) for k, v in accepted.items()})}, {len(unavailable)} answered 503, "
          f"{len(others) - len(unavailable)} other")
    check("every other answer was 503 with Retry-After and JSON, no stack trace",
          all(s == 503 and r and b.startswith(b'{"error"') and b"Traceback" not in b for s, r, b in others),
          str(sorted({(s, r) for s, r, _b in others}, key=str)[:5]))
    after = [s for (s, _r, _b, _k, _key), at in zip(results, finished) if at > restarted_at + 1]
    check("requests are accepted again after the restart", 201 in after and 200 in after,
          f"{after.count(201) + after.count(200)} of {len(after)} answers after the restart were 200/201")
    time.sleep(2)
    stored = {row[0] for row in stack.sql("SELECT ticket FROM complaints WHERE ticket = ANY(%s)", accepted["api"])}
    missing = [t for t in accepted["api"] if t not in stored]
    check("no complaint that got a 201 is missing", not missing, f"{len(missing)} missing of {len(accepted['api'])}")
    sms = {row[0] for row in stack.sql("SELECT message_sid FROM sms_inbound_messages WHERE message_sid = ANY(%s)",
                                       accepted["sms"])}
    check("no SMS answered 200 is missing", len(sms) == len(accepted["sms"]),
          f"{len(accepted['sms']) - len(sms)} missing of {len(accepted['sms'])}")
    updates = {row[0] for row in stack.sql("SELECT update_id FROM telegram_updates WHERE update_id = ANY(%s)",
                                           accepted["telegram"])}
    check("no Telegram update answered 200 is missing", len(updates) == len(accepted["telegram"]),
          f"{len(accepted['telegram']) - len(updates)} missing of {len(accepted['telegram'])}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/faults.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="duplicates,scheduler,providers")
    parser.add_argument("--with-postgres-restart", action="store_true",
                        help="also restart the local PostgreSQL server under load (breaks other users' sessions)")
    parser.add_argument("--not-before", metavar="HH:MM", help="UTC time before which PostgreSQL is not restarted")
    parser.add_argument("--pg-url", default=os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args(argv)
    import tempfile

    workdir = Path(tempfile.mkdtemp(prefix="sigap-faults."))
    telegram, twilio = Restartable(FakeBotApi()), Restartable(FakeTwilio())
    stack = Stack(args.pg_url, telegram.fake.url, twilio.fake.url, workdir)
    wanted = [name.strip() for name in args.only.split(",") if name.strip()]
    if args.with_postgres_restart:
        wanted.append("postgres")
    print(f"faults: database {stack.name}, web on 127.0.0.1:{stack.port}, logs in {workdir}", flush=True)
    try:
        stack.start()
        for name in wanted:
            if name == "duplicates":
                duplicates(stack)
            elif name == "scheduler":
                scheduler(stack)
            elif name == "providers":
                providers(stack, telegram, twilio)
            elif name == "postgres":
                postgres_restart(stack, not_before=args.not_before)
    finally:
        stack.stop()
        telegram.down()
        twilio.down()
    failed = [name for name, ok, _d in RESULTS if not ok]
    print(f"{len(RESULTS) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
