"""Reading the host and path of an address, cheaply when it is a plain http(s) address.

Used where each invitation's addresses are compared (``context.profile_key`` for the
network, ``photo`` for default avatars), through ``host_and_path``. ``urllib.parse.urlsplit``
handles every case but costs more than the rest of the comparison; the addresses LinkedIn
gives are nearly always plain (a host made of letters, digits, dots and dashes, a path
without %-escapes), and for those the regular expression below finds exactly what
``urlsplit`` would.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# scheme :// host (no user, port or IPv6) path (no escape, space, ? or #) then ?query / #fragment
_PLAIN = re.compile(r"https?://([a-z0-9.-]+)(/[^\s%?#]*)?(?:[?#]\S*)?", re.IGNORECASE | re.ASCII)


def plain_host_and_path(url: str) -> tuple[str, str] | None:
    """(lower-case host, path) of a plain http(s) address, as ``urlsplit`` reads them.

    None for any other address (user or port in the host, %-escapes or spaces, no scheme…):
    the caller then asks ``urlsplit``.
    """
    found = _PLAIN.fullmatch(url)
    if found is None:
        return None
    return found[1].lower(), found[2] or ""


def host_and_path(url: str) -> tuple[str, str] | None:
    """(lower-case host, path as written) of an address, as ``urlsplit`` reads them; the
    regular expression answers for plain addresses. None when ``urlsplit`` refuses the
    address (« http://[x »): the caller decides what its text alone can tell."""
    plain = plain_host_and_path(url)
    if plain is not None:
        return plain
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return parts.hostname or "", parts.path


# a member's profile: linkedin.com (any subdomain: www, fr…) /in/ then the member's name
_PROFILE = re.compile(
    r"(?:https?://)?(?:[a-z0-9-]+\.)*linkedin\.com/in/[^/\s?#]+/?(?:[?#]\S*)?", re.IGNORECASE
)


def is_profile_address(text: str) -> bool:
    """Whether ``text`` is a LinkedIn profile's address, as the site shows it
    (``https://www.linkedin.com/in/nom``), with or without its scheme, query or final /."""
    return _PROFILE.fullmatch(text.strip()) is not None
