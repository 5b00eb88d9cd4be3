"""Fetches a photo a citizen sent on WhatsApp (MediaUrl0) from Twilio, with the account's basic
auth, only from Twilio's API host (or the configured fake's), and never more than the evidence store takes."""
from __future__ import annotations

from urllib.parse import urlparse

import requests

from app.services.lifecycle.complaint_files import MAX_BYTES, FileTooLarge
from app.services.errors import ValidationFailed

TIMEOUT = 30.0  # seconds for one photo
TWILIO_MEDIA_HOSTS = ("api.twilio.com",)


class MediaFetcher:
    def __init__(self, settings):
        self.settings = settings
        base = urlparse(settings.twilio_api_base_url or "https://api.twilio.com")
        self.hosts = {*TWILIO_MEDIA_HOSTS, base.netloc}

    def __call__(self, url: str) -> bytes:
        """The media's bytes; ValidationFailed/FileTooLarge (the reply says why) for anything else."""
        parsed = urlparse(url or "")
        if parsed.scheme not in ("https", "http") or parsed.netloc not in self.hosts:
            raise ValidationFailed("the photo's address is not Twilio's", field="MediaUrl0")
        try:
            with requests.get(url, auth=(self.settings.twilio_account_sid, self.settings.twilio_auth_token),
                              timeout=TIMEOUT, stream=True, allow_redirects=True) as response:
                if response.status_code != 200:
                    raise ValidationFailed(f"Twilio answered {response.status_code} for the photo", field="MediaUrl0")
                data = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    data.extend(chunk)
                    if len(data) > MAX_BYTES:
                        raise FileTooLarge(f"the photo is larger than {MAX_BYTES // (1024 * 1024)} MB", field="file")
                return bytes(data)
        except requests.RequestException as exc:
            raise ValidationFailed(f"the photo could not be fetched: {type(exc).__name__}", field="MediaUrl0") from None
