"""Journal times as a person reads them: ``2026-02-01 09:37:00 EST``, local or UTC.

The journal writes UTC (``2026-02-01T14:37:00.123456Z``); a person reads a date and a time
to the second and the zone's name. The command line shows the local zone (``TZ``) unless
``--utc`` (``tamis.cli.human`` re-exports these); the web pages show their workspace's
``fuseau`` (``stamped_in``; UTC unless named), the server's zone being no one's in
particular. A time that does not read as one is shown as it is, made safe.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from tamis.grammar.terminal import safe


def moment(horodatage: str, *, utc: bool) -> datetime:
    """A journal time (UTC, ``…Z``) in the local time zone, or in UTC."""
    parsed = datetime.fromisoformat(horodatage.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC) if utc else parsed.astimezone()


def when(horodatage: str, *, utc: bool, seconds: bool = True) -> str:
    """``2026-02-01 09:37:00`` (local, or UTC): what a table or a header shows; a time that
    does not read as one is shown as it is, made safe."""
    try:
        shown = moment(horodatage, utc=utc)
    except (ValueError, OverflowError):
        return safe(horodatage)
    return shown.strftime(_shape(seconds))


def _shape(seconds: bool) -> str:
    return "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"


def day(horodatage: str, *, utc: bool) -> str:
    """``2026-02-01``: the day of a journal time, local or UTC."""
    return when(horodatage, utc=utc)[:10]


def zone(horodatage: str | None = None, *, utc: bool) -> str:
    """The name of the zone times are shown in (``UTC``, ``EST``…), at ``horodatage``'s time
    or now."""
    if utc:
        return "UTC"
    try:
        at = moment(horodatage, utc=False) if horodatage else datetime.now().astimezone()
    except (ValueError, OverflowError):
        at = datetime.now().astimezone()
    return at.tzname() or at.strftime("UTC%z")


def stamped(horodatage: str, *, utc: bool, seconds: bool = True) -> str:
    """``2026-02-01 09:37:00 EST``: ``when`` followed by its zone's name."""
    return f"{when(horodatage, utc=utc, seconds=seconds)} {zone(horodatage, utc=utc)}"


def stamped_in(horodatage: str, zone: tzinfo, *, seconds: bool = True) -> str:
    """``2026-02-01 09:37:00 EST``: a journal time in ``zone`` (a workspace's ``fuseau``),
    followed by the zone's name at that time; a time that does not read as one is shown as
    it is, made safe, with the zone's name now."""
    try:
        shown = moment(horodatage, utc=True).astimezone(zone)
    except (ValueError, OverflowError):
        return f"{safe(horodatage)} {datetime.now(zone).tzname()}"
    return f"{shown.strftime(_shape(seconds))} {shown.tzname()}"
