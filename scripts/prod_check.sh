#!/usr/bin/env bash
# Starts Sigap's production shape on 127.0.0.1 and smoke-tests it, then stops everything:
# PostgreSQL (a fresh database sigap_prodcheck_<random> on the local server, dropped after),
# gunicorn with 2 workers, two `python -m jobs` schedulers, Redis for rate-limit counts.
# Usage: scripts/prod_check.sh   (env: PG_ADMIN_URL, REDIS_URL, KEEP=1 to keep logs)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN="$ROOT/.venv/bin"
PG_ADMIN_URL="${PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/test}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
NAME="sigap_prodcheck_$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
WORK="$(mktemp -d /tmp/sigap-prodcheck.XXXXXX)"
PORT="$("$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
PIDS=()

say() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; for f in "$WORK"/*.log; do echo "--- $f"; tail -n 20 "$f"; done >&2; exit 1; }

cleanup() {
  local code=$?
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql "$PG_ADMIN_URL" -qAt -c "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" >/dev/null 2>&1 || true
  "$BIN/python" - "$REDIS_URL" "$NAME" <<'PY' 2>/dev/null || true
import sys, redis
r = redis.Redis.from_url(sys.argv[1])
for key in r.scan_iter(f"*{sys.argv[2]}*"):
    r.delete(key)
# the made-up tokens' count for 127.0.0.1, so that a second run within the minute starts afresh
for key in r.scan_iter("*LIMITER/sigap-unknown/127.0.0.1/*"):
    r.delete(key)
PY
  if [ "${KEEP:-0}" = 1 ]; then echo "logs kept in $WORK"; else rm -rf "$WORK"; fi
  [ $code -eq 0 ] && echo "prod-check: all checks passed" || echo "prod-check: FAILED (exit $code)"
}
trap cleanup EXIT

say "database $NAME on ${PG_ADMIN_URL%/*}"
psql "$PG_ADMIN_URL" -qAt -c "CREATE DATABASE $NAME" >/dev/null
export DATABASE_URL="${PG_ADMIN_URL%/*}/$NAME"
export SIGAP_PRODUCTION=1 SECRET_KEY="prodcheck-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export SIGAP_AUDIT_KEY="prodcheck-audit-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export PORT SIGAP_RUN_SCHEDULER=0 WEB_CONCURRENCY=2 GUNICORN_THREADS=4
export PROMETHEUS_MULTIPROC_DIR="$WORK/metrics" RATELIMIT_STORAGE_URI="$REDIS_URL"
export RATELIMIT_KEY_PREFIX="$NAME"
unset TELEGRAM_BOT_TOKEN TWILIO_ACCOUNT_SID TWILIO_AUTH_TOKEN TWILIO_FROM_NUMBER || true

say "migrate and seed"
"$BIN/flask" --app wsgi db upgrade >"$WORK/migrate.log" 2>&1 || fail "db upgrade"
"$BIN/flask" --app wsgi seed demo >"$WORK/seed.log" 2>&1 || fail "seed demo"
# A short policy in force since ten minutes ago: acknowledge within 1 minute, handle within 2.
EFFECTIVE="$("$BIN/python" -c 'import datetime as d; print((d.datetime.now(d.timezone.utc)-d.timedelta(minutes=10)).isoformat(timespec="seconds"))')"
"$BIN/flask" --app wsgi sla set-target --jurisdiction banyuwangi --ack-minutes 1 --handle-minutes 2 \
  --effective-from "$EFFECTIVE" --note "prod-check short policy" >"$WORK/policy.log" 2>&1 || fail "sla set-target"
TOKEN="$("$BIN/flask" --app wsgi tokens create --role supervisor --jurisdiction banyuwangi --name prodcheck 2>/dev/null | tail -n 1)"
[[ "$TOKEN" == sgp_* ]] || fail "no API token printed"

say "gunicorn (2 workers) on $BASE, two schedulers"
"$BIN/gunicorn" -c gunicorn.conf.py wsgi:app >"$WORK/web.log" 2>&1 & PIDS+=($!)
"$BIN/python" -m jobs >"$WORK/jobs1.log" 2>&1 & PIDS+=($!)
"$BIN/python" -m jobs >"$WORK/jobs2.log" 2>&1 & PIDS+=($!)

export BASE TOKEN WORK NAME
"$BIN/python" - <<'PY' || fail "smoke test"
import datetime as dt, json, os, re, sys, time, urllib.request, urllib.error

base, token = os.environ["BASE"], os.environ["TOKEN"]

calls = {"/healthz": 0}

def call(method, path, body=None, headers=None):
    status, headers, body = _call(method, path, body, headers)
    if path in calls and status is not None:
        calls[path] += 1
    return status, headers, body

def _call(method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()
    except OSError:
        return None, {}, b""

def check(ok, what):
    print(("  ok   " if ok else "  FAIL ") + what)
    if not ok:
        sys.exit(1)

deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    status, headers, body = call("GET", "/healthz")
    if status == 200 and json.loads(body)["status"] == "ok":
        break
    time.sleep(0.5)
check(status == 200, f"/healthz is 200 with a scheduler heartbeat ({body[:120]!r})")
check(json.loads(body).get("dependencies", {}).get("rate_limit_store") == "ok", "/healthz: Redis answers")
check(headers.get("X-Frame-Options") == "DENY" and "Strict-Transport-Security" in headers,
      "security headers, HSTS in production")

received = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=3)).isoformat(timespec="seconds")
status, headers, body = call("POST", "/api/v1/complaints", {
    "jurisdiction": "banyuwangi", "category": "hunger", "village": "Kemiren", "received_at": received,
    "description": "Mbah Sumi tidak makan sejak kemarin (prod-check)",
    "reporter": {"name": "Siti Prodcheck", "phone": "+6281299990001"}}, {"X-Request-Id": "prodcheck-req-1"})
check(status == 201, f"POST /api/v1/complaints -> 201 ({status})")
check(headers.get("X-Request-Id") == "prodcheck-req-1", "the request id comes back")
ticket = json.loads(body)["ticket"]

deadline = time.monotonic() + 60
breaches = []
while time.monotonic() < deadline:
    status, _, body = call("GET", f"/api/v1/complaints/{ticket}")
    breaches = json.loads(body).get("breaches", []) if status == 200 else []
    if {b["kind"] for b in breaches} >= {"acknowledge", "handle"}:
        break
    time.sleep(1)
kinds = sorted(b["kind"] for b in breaches)
check(kinds == ["acknowledge", "handle"], f"one acknowledge and one handle breach fired by the schedulers ({kinds})")

for _ in range(6):
    call("GET", "/healthz")
status, _, body = call("GET", "/metrics")
text = body.decode()
check(status == 200, "/metrics answers")
check(re.search(r'sigap_complaints_received_total\{channel="api",jurisdiction="banyuwangi"\} 1\.0', text) is not None,
      "complaints received by channel")
check(re.search(r'sigap_breaches_total\{kind="acknowledge"\} 1\.0', text) is not None, "breaches counted once")
check("sigap_sla_step_lateness_seconds_bucket" in text, "step lateness histogram")
check("sigap_outbox_backlog" in text, "outbox backlog")
served = sum(float(n) for n in re.findall(
    r'sigap_http_request_duration_seconds_count\{[^}]*route="/healthz"[^}]*\} ([0-9.e+]+)', text))
check(served >= calls["/healthz"], f"request latency summed over both workers ({served:.0f} of "
      f"{calls['/healthz']} /healthz requests counted)")

check("sigap_rate_limit_store_unreachable 0.0" in text, "/metrics: the rate-limit store is reachable")

# Made-up tokens from one address: counted against it in Redis (both workers), 429 past 20 a minute,
# while the real token, which worked from this same address, keeps its own limit.
guesses = [call("GET", "/api/v1/complaints", headers={"Authorization": "Bearer sgp_" + os.urandom(24).hex()})[0]
           for _ in range(25)]
check(guesses[:20] == [401] * 20 and set(guesses[20:]) == {429}, f"made-up tokens: 401 x20 then 429 ({guesses})")
status, _, _ = call("GET", f"/api/v1/complaints/{ticket}")
check(status == 200, f"the real token from the same address is still served ({status})")

time.sleep(1.5)  # let the log handlers flush
log = open(os.path.join(os.environ["WORK"], "web.log"), encoding="utf-8").read()
lines = [json.loads(l) for l in log.splitlines() if l.startswith("{")]
check(any(l.get("request_id") == "prodcheck-req-1" for l in lines), "JSON log lines carry the request id")
check("6281299990001" not in log and "Siti Prodcheck" not in log, "no phone number or name in the web log")
PY

say "rate-limit counters in Redis"
# the limits library keeps its counters under LIMITS:LIMITER/<prefix>/...; /healthz was hit above
if "$BIN/python" - "$REDIS_URL" <<'PY'
import sys, redis
r = redis.Redis.from_url(sys.argv[1])
sys.exit(0 if any(True for _ in r.scan_iter("*LIMITER/sigap-sec/*health*")) else 1)
PY
then echo "  ok   Flask-Limiter counts in Redis ($REDIS_URL), shared by both workers"
else fail "no rate-limit counter in Redis: the workers count in process memory (RATELIMIT_STORAGE_URI not applied)"
fi

say "Redis unreachable: a second gunicorn whose RATELIMIT_STORAGE_URI points where nothing listens"
PORT2="$("$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
PORT="$PORT2" RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0" PROMETHEUS_MULTIPROC_DIR="$WORK/metrics2" \
  "$BIN/gunicorn" -c gunicorn.conf.py wsgi:app >"$WORK/web2.log" 2>&1 & PIDS+=($!)
BASE="http://127.0.0.1:$PORT2" "$BIN/python" - <<'PY' || fail "Redis-down check"
import json, os, sys, time, urllib.request, urllib.error

base, token = os.environ["BASE"], os.environ["TOKEN"]

def call(method, path, body=None):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None,
                                 method=method, headers={"Authorization": f"Bearer {token}",
                                                         "Content-Type": "application/json"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read(), time.monotonic() - started
    except urllib.error.HTTPError as e:
        return e.code, e.read(), time.monotonic() - started
    except OSError:
        return None, b"", time.monotonic() - started

def check(ok, what):
    print(("  ok   " if ok else "  FAIL ") + what)
    if not ok:
        sys.exit(1)

deadline = time.monotonic() + 30
status = None
while time.monotonic() < deadline and status is None:
    status, body, _ = call("GET", "/healthz")
    time.sleep(0.3)
health = json.loads(body or b"{}")
check(status == 200 and health.get("status") == "degraded"
      and health.get("dependencies", {}).get("rate_limit_store") == "unreachable",
      f"/healthz is 200 degraded and names the rate-limit store ({body[:160]!r})")
status, _, _ = call("POST", "/api/v1/complaints", {
    "jurisdiction": "banyuwangi", "category": "hunger", "village": "Kemiren",
    "description": "Tanpa Redis (prod-check)", "reporter": {"name": "Prodcheck", "phone": "+6281299990002"}})
check(status == 201, f"POST /api/v1/complaints still 201 ({status})")
answers = [call("GET", "/api/v1/complaints") for _ in range(20)]
check({a[0] for a in answers} == {200}, "20 API calls served")
check(max(a[2] for a in answers) < 2, f"none waits on Redis (slowest {max(a[2] for a in answers):.2f} s)")
status, body, _ = call("GET", "/metrics")
check(status == 200 and "sigap_rate_limit_store_unreachable 1.0" in body.decode()
      and "sigap_rate_limit_store_errors_total" in body.decode(), "/metrics counts the store errors")
time.sleep(1.0)
log = open(os.path.join(os.environ["WORK"], "web2.log"), encoding="utf-8").read()
losses = log.count("rate-limit store redis://127.0.0.1:1/0 unreachable")
check(1 <= losses <= 2, f"the loss is logged once per worker, not per request ({losses} lines)")
PY

say "stop: SIGTERM to web and schedulers"
for pid in "${PIDS[@]}"; do kill -TERM "$pid"; done
for pid in "${PIDS[@]}"; do wait "$pid" || true; done
PIDS=()
grep -q "stopped" "$WORK/jobs1.log" || fail "scheduler 1 did not stop cleanly"
echo "  ok   all processes stopped"
