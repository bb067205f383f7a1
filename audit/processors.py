"""The audit steps, each a structlog processor: name, number, time, link, render, seal.

Sits between the journal's one entry point (``Journal``) and the sink. ``Journal`` calls
``logger.msg(evenement, contenu=…)`` on a logger built with ``structlog.wrap_logger`` over the
sink; structlog runs these processors in order, and the last one hands the sealed line to the
sink's ``msg()``. The chain-aware steps read the shared ``ChainHead`` they were configured with
(the sink refreshes it under the file lock before any of them runs)::

    {"event": "decision", "contenu": {…}, "version": 1}
      -> NameEvent          evenement
      -> AddSequence        seq = head.seq + 1
      -> AddTimestamp       horodatage (UTC, ISO 8601, µs)
      -> AddPreviousHash    precedente = head.empreinte
      -> RenderCanonical    canonical JSON bytes (orjson, sorted keys)
      -> SealWithHash       empreinte = SHA-256 of those bytes, spliced in -> sink.msg(line, record)
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple

from tamis.audit import layout
from tamis.audit.chain import ChainHead


class Rendered(NamedTuple):
    """A record and its canonical bytes, between rendering and sealing."""

    fields: dict[str, Any]
    canonical: bytes


class NameEvent:
    """structlog's ``event`` becomes the record's ``evenement``."""

    def __call__(self, logger: Any, method: str, event_dict: dict) -> dict:
        event_dict["evenement"] = event_dict.pop("event")
        return event_dict


class AddSequence:
    def __init__(self, head: ChainHead) -> None:
        self.head = head

    def __call__(self, logger: Any, method: str, event_dict: dict) -> dict:
        event_dict["seq"] = self.head.seq + 1
        return event_dict


class AddTimestamp:
    """UTC ISO 8601 with microseconds and ``Z`` (fixed width, so strings sort as times)."""

    def __init__(self, clock=time.time_ns) -> None:
        self.clock = clock
        self._second = -1
        self._prefix = ""

    def __call__(self, logger: Any, method: str, event_dict: dict) -> dict:
        seconds, micros = divmod(self.clock() // 1000, 1_000_000)
        if seconds != self._second:
            self._second = seconds
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        event_dict["horodatage"] = f"{self._prefix}.{micros:06d}Z"
        return event_dict


class AddPreviousHash:
    def __init__(self, head: ChainHead) -> None:
        self.head = head

    def __call__(self, logger: Any, method: str, event_dict: dict) -> dict:
        event_dict["precedente"] = self.head.empreinte
        return event_dict


class RenderCanonical:
    def __call__(self, logger: Any, method: str, event_dict: dict) -> Rendered:
        return Rendered(event_dict, layout.canonical(event_dict))


class SealWithHash:
    """Last step: ``empreinte`` in the record and in the line; ``(args, kwargs)`` for ``msg``."""

    def __call__(self, logger: Any, method: str, rendered: Rendered) -> tuple:
        line, digest = layout.seal(rendered.canonical)
        rendered.fields["empreinte"] = digest
        return (line,), {"record": rendered.fields}


def audit_processors(head: ChainHead) -> list:
    """The whole chain, in order, for a journal whose chain head is ``head``."""
    return [
        NameEvent(),
        AddSequence(head),
        AddTimestamp(),
        AddPreviousHash(head),
        RenderCanonical(),
        SealWithHash(),
    ]
