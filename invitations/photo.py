"""Whether a profile photo value shows a real photo, or LinkedIn's default avatar.

Used by the field ``expediteur.photo`` and the fact ``sans_photo``. LinkedIn serves members'
photos from ``media.licdn.com``; its grey silhouettes (« ghost » avatars) come from its static
asset hosts (``static.licdn.com``, ``static-exp1.licdn.com``) or carry « ghost » in their path.
"""

from __future__ import annotations

import re

from tamis.invitations.urls import host_and_path

_STATIC_HOST = re.compile(r"static(-exp\d+)?\.licdn\.com$")
_AVATAR_PATH = re.compile(r"ghost|default[-_]?avatar|avatar[-_]?default|no[-_]?photo", re.I)


def is_default_avatar(url: str) -> bool:
    """True for a known LinkedIn default-avatar address."""
    found = host_and_path(url.strip())
    if found is None:  # malformed address: only its text can tell
        return bool(_AVATAR_PATH.search(url))
    host, path = found
    return bool(_STATIC_HOST.search(host.casefold()) or _AVATAR_PATH.search(path))


def has_photo(photo: bool | str | None) -> tuple[bool | None, str]:
    """(vrai / faux / inconnu, French note) for an ``expediteur.photo`` input value."""
    if photo is None:
        return None, "expediteur.photo absente : on ne sait pas si le profil a une photo"
    if isinstance(photo, bool):
        return photo, f"expediteur.photo = {'vrai' if photo else 'faux'}"
    if is_default_avatar(photo):
        return False, f"expediteur.photo est l'avatar par défaut de LinkedIn ({photo})"
    return True, f"expediteur.photo = {photo}"
