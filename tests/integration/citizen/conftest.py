"""The citizens' side: the staff web's signed-in browser is needed here too."""
from tests.integration.web.conftest import Browser, browser, browser_at  # noqa: F401
