"""gunicorn settings for Sigap's web tier: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be changed from the environment (names below); the app's own settings come from
config.py as usual. The SLA schedulers run apart, as `python -m jobs` (see docs/deploy.md)."""
import os
import shutil

wsgi_app = "wsgi:app"
bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads let a worker wait on PostgreSQL for one request while it serves another; the engine's
# pool (10 + 20 overflow per process) is larger than workers x threads needs.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (memory growth in long-lived processes); jitter avoids all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
# The app builds its own engine per worker after fork; nothing is shared across processes.
preload_app = False
# Only the proxy in front may set X-Forwarded-* (and the app trusts it only with proxy_count set).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# The app logs one JSON line per request itself (with its request id, no personal data).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "sigap-web"

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "pythonjsonlogger.json.JsonFormatter",
                            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {"gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False}},
}


def on_starting(server):
    # /metrics sums request latency and the web counters over all workers via PROMETHEUS_MULTIPROC_DIR;
    # stale files from an earlier run would be added in, so start empty.
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
