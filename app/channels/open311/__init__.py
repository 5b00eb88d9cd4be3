"""The open311 channel: Open311 GeoReport v2 at /open311/v2, a blueprint that translates the protocol into service calls."""
from flask import Blueprint

bp = Blueprint("open311", __name__)

from . import views  # noqa: E402,F401
