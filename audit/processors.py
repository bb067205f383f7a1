"""The audit steps, each a structlog processor: name, number, time, link, render, seal.

Sits between the journal's one entry point (``Journal``) and the sink. ``Journal`` calls
``logger.msg(evenement, contenu=…)`` for one record, or ``logger.msg("decision",
contenus=[…])`` for a run of decisions under the same policy, on a logger built with
``structlog.wrap_logger`` over the sink; structlog runs these processors in order, and the
last one hands the sealed line(s) to the sink's ``msg()``. The chain-aware steps read the
shared ``ChainHead`` they were configured with (the sink refreshes it under the file lock
before any of them runs)::

    {"event": "decision", "contenu": Prepared | {…}, "version": 2}      (or "contenus": […])
      -> NameEvent          evenement
      -> AddSequence        seq = head.seq + 1                          (a run: one per record)
      -> AddTimestamp       horodatage (UTC, ISO 8601, µs)             (a run: one per record)
      -> AddPreviousHash    precedente = head.empreinte   (a run: the first; each next record
                                                           links to the one sealed before it)
      -> RenderCanonical    canonical bytes: the content (already rendered and hashed when the
                            journal prepared it outside the lock) + the envelope's fixed tail
      -> SealWithHash       empreinte = SHA-256 of those bytes; the line's end rendered
                            -> sink.msg(pieces, record=…)  (a run: msg(pieces, records=…))

``pieces`` concatenate to the line(s): for each record, the content as ``layout.prepare``
rendered it (not copied) and its sealed end (``layout.seal_end``). Each step does one small
thing per record; the costly work (rendering a 3 kB content and hashing it) is done by
``layout.prepare`` before the lock is taken, and a run of decisions goes through the chain
once, so a record spends a few microseconds here.
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple

from tamis.audit import layout
from tamis.audit.chain import ChainHead


class Rendered(NamedTuple):
    """A record between rendering and sealing: fields, prepared content, envelope tail."""

    fields: dict[str, Any]  # the record without ``empreinte`` (``contenu`` as a dict)
    content: layout.Prepared | None  # None when the envelope had other keys: see ``canonical``
    tail: bytes
    canonical: bytes = b""  # the whole canonical record, only when ``content`` is None


class RenderedRun(NamedTuple):
    """A run of decisions between rendering and sealing (``precedente`` comes from sealing)."""

    envelope: dict[str, Any]  # evenement, version, and the first record's precedente
    contents: list[layout.Prepared]
    seqs: range
    moments: list[str]
    before: str  # the tail before each record's horodatage


class NameEvent:
    """structlog's ``event`` becomes the record's ``evenement``."""

    def __call__(self, logger: Any, method: str, event_dict: dict) -> dict:
        event_dict["evenement"] = event_dict.pop("event")
        return event_dict


class AddSequence:
    def __init__(self, head: ChainHead) -> None:
        self.head = head

    def __call__(self, logger: Any, method: str, event_dict: dict) -> dict:
        first = self.head.seq + 1
        run = event_dict.get("contenus")
        event_dict["seq"] = first if run is None else range(first, first + len(run))
        return event_dict


class AddTimestamp:
    """UTC ISO 8601 with microseconds and ``Z`` (fixed width, so strings sort as times)."""

    def __init__(self, clock=time.time_ns) -> None:
        self.clock = clock
        self._second = -1
        self._prefix = ""

    def __call__(self, logger: Any, method: str, event_dict: dict) -> dict:
        run = event_dict.get("contenus")
        if run is None:
            event_dict["horodatage"] = self.now()
        else:
            event_dict["horodatage"] = [self.now() for _ in run]
        return event_dict

    def now(self) -> str:
        seconds, micros = divmod(self.clock() // 1000, 1_000_000)
        if seconds != self._second:
            self._second = seconds
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        return f"{self._prefix}.{micros:06d}Z"


class AddPreviousHash:
    def __init__(self, head: ChainHead) -> None:
        self.head = head

    def __call__(self, logger: Any, method: str, event_dict: dict) -> dict:
        event_dict["precedente"] = self.head.empreinte
        return event_dict


class RenderCanonical:
    """The content as prepared (or prepared now, if handed as a dict) and the envelope tail."""

    def __call__(self, logger: Any, method: str, event_dict: dict) -> Rendered | RenderedRun:
        if "contenus" in event_dict:
            return self.run(event_dict)
        content = event_dict.pop("contenu")
        prepared = content if type(content) is layout.Prepared else layout.prepare(content)
        tail = layout.envelope_tail(event_dict)
        event_dict["contenu"] = prepared.fields
        if tail is None:  # an envelope with other keys: render it all, the slow way
            return Rendered(event_dict, None, b"", layout.canonical(event_dict))
        return Rendered(event_dict, prepared, tail)

    def run(self, event_dict: dict) -> RenderedRun:
        """A run: the tail's fixed parts, checked once on its first record."""
        contents = [
            c if type(c) is layout.Prepared else layout.prepare(c)
            for c in event_dict.pop("contenus")
        ]
        seqs, moments = event_dict.pop("seq"), event_dict.pop("horodatage")
        first = {**event_dict, "seq": seqs[0], "horodatage": moments[0]}
        if not contents or layout.envelope_tail(first) is None:
            raise ValueError("a run of records needs a plain envelope")
        before = f',"evenement":"{event_dict["evenement"]}","horodatage":"'
        return RenderedRun(event_dict, contents, seqs, moments, before)


class SealWithHash:
    """Last step: ``empreinte`` in the record and in the line; ``(args, kwargs)`` for ``msg``.

    The line goes to the sink as pieces whose concatenation is the line: the content as
    ``layout.prepare`` rendered it (never copied) and the sealed end (``layout.seal_end``)."""

    def __call__(self, logger: Any, method: str, rendered: Rendered | RenderedRun) -> tuple:
        if type(rendered) is RenderedRun:
            return self.run(rendered)
        if rendered.content is None:
            line, digest = layout.seal(rendered.canonical)
            pieces = [line]
        else:
            end, digest = layout.seal_end(rendered.content, rendered.tail)
            pieces = [rendered.content.head, end]
        rendered.fields["empreinte"] = digest
        return (pieces,), {"record": rendered.fields}

    def run(self, run: RenderedRun) -> tuple:
        """Seal each record of a run in turn, each linked to the one before."""
        envelope, pieces, records = run.envelope, [], []
        previous, version, event = (
            envelope["precedente"],
            envelope["version"],
            envelope["evenement"],
        )
        before, closing = run.before, f',"version":{version}}}'
        seal, add, keep = layout.seal_end, pieces.extend, records.append
        for content, seq, moment in zip(run.contents, run.seqs, run.moments, strict=True):
            tail = f'{before}{moment}","precedente":"{previous}","seq":{seq}{closing}'.encode()
            end, digest = seal(content, tail)
            add((content.head, end))
            keep(
                {
                    "contenu": content.fields,
                    "empreinte": digest,
                    "evenement": event,
                    "horodatage": moment,
                    "precedente": previous,
                    "seq": seq,
                    "version": version,
                }
            )
            previous = digest
        return (pieces,), {"records": records}


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
