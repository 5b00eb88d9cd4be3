"""Where a partner's webhook URL really points: parsed once, the way the HTTP client that calls it
parses it (urllib3), so that the host checked is the host connected to. A URL two parsers would read
differently (a backslash, userinfo before the host, a non-ASCII host) is refused outright.

Also the rule for addresses: a webhook may only reach the public internet, never the regency's own
network (loopback, private, link-local, reserved, shared, multicast, or a public-looking IPv6
address that embeds one of those)."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

MAX_URL = 500
DEFAULT_PORTS = {"http": 80, "https": 443}
# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64 well-known and local-use).
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class BadWebhookUrl(ValueError):
    """The URL is not one Sigap will call; the message says why, for the partner."""


@dataclass(frozen=True)
class Target:
    scheme: str  # http | https
    host: str  # as the client reads it: lower case, IDNA, an IPv6 literal without brackets
    port: int
    host_header: str  # what the Host header says: the name, and the port when the URL gave one
    request_uri: str  # path and query, as sent on the request line

    @property
    def tls(self) -> bool:
        return self.scheme == "https"


def parse(url) -> Target:
    """The URL's target, or BadWebhookUrl with a reason."""
    if not isinstance(url, str) or not url.strip():
        raise BadWebhookUrl("url is required: where to POST status changes")
    url = url.strip()
    if len(url) > MAX_URL:
        raise BadWebhookUrl(f"url must be at most {MAX_URL} characters")
    if not all(0x21 <= ord(ch) <= 0x7E for ch in url):
        raise BadWebhookUrl("url must be printable ASCII without spaces: punycode the host (xn--...) and "
                            "percent-encode the path")
    if "\\" in url:
        raise BadWebhookUrl("url must not contain a backslash")
    try:
        parsed = parse_url(url)
    except LocationParseError:
        raise BadWebhookUrl("url is not a valid http(s) URL (check the host and the port, 1-65535)") from None
    scheme = (parsed.scheme or "").lower()
    if scheme not in DEFAULT_PORTS or not parsed.host:
        raise BadWebhookUrl("url must be an http(s) URL with a host, e.g. https://partner.example/sigap")
    authority = url.split("//", 1)[-1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if parsed.auth is not None or "@" in authority:
        raise BadWebhookUrl("url must not carry a user name or password (user@host): the signature "
                            "authenticates Sigap")
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        raise BadWebhookUrl("url's port must be between 1 and 65535")
    host = parsed.host
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    return Target(scheme=scheme, host=bare, port=parsed.port or DEFAULT_PORTS[scheme],
                  host_header=host if parsed.port is None else f"{host}:{parsed.port}",
                  request_uri=parsed.request_uri)


def inside_network(address: str) -> bool:
    """True for any address a webhook must not reach: everything but the global internet."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and any(ip in net for net in _NAT64):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and inside_network(str(embedded)):
            return True
    return (not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local
            or ip.is_private or ip.is_unspecified)
