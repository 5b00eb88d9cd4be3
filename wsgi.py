"""WSGI entry point: `flask --app wsgi ...` and `gunicorn wsgi:app`.

With SIGAP_RUN_SCHEDULER=1 (the `make run` default) the SLA jobs run inside this process;
in production they run in `python -m jobs` instead."""
import sys

from config import ConfigError

try:
    from app import create_app

    app = create_app()
except ConfigError as exc:
    print(f"sigap: configuration error: {exc}", file=sys.stderr)
    sys.exit(2)

from jobs.scheduler import start_embedded  # noqa: E402

start_embedded(app)
