"""REST API /api/v1: JSON, Bearer tokens, the error shape of app.errors."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from . import breaches, files, openapi, performance, routes, webhooks  # noqa: E402,F401
