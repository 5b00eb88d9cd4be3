"""The telegram channel: a blueprint that translates its protocol into service calls."""
from flask import Blueprint

bp = Blueprint("telegram", __name__)

from . import webhook  # noqa: E402,F401  (registers the routes)
