"""Flask commands of the staff web."""
from flask import Flask


def register(app: Flask) -> None:
    pass
