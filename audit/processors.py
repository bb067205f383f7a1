"""The audit steps, as structlog processors: place the record in the chain, then seal it.

Sits between the journal's one entry point (``Journal``) and the sink. ``Journal`` calls
``logger.msg(evenement, contenu=…)`` for one record, or ``logger.msg("decision",
contenus=[…])`` for a run of decisions under the same policy, on a logger built with
``structlog.wrap_logger`` over the sink; structlog runs these processors in order, and the
last one hands the sealed line(s) to the sink's ``msg()``. Both read the shared ``ChainHead``
they were configured with (the sink refreshes it under the file lock before they run)::

    {"event": "decision", "contenu": Prepared | {…}, "version": 2}     (or "contenus": […])
      -> AddEnvelope     evenement (structlog's event), seq = head.seq + 1, horodatage (UTC,
                         ISO 8601, µs), precedente = head.empreinte
                         (a run: a seq and a horodatage per record; precedente is the first's)
      -> SealWithHash    canonical bytes = the content (already rendered and hashed when the
                         journal prepared it outside the lock) + the envelope's tail;
                         empreinte = SHA-256 of those bytes; the line's end rendered
                         -> sink.msg(pieces, record=…)      (a run: msg(pieces, records=…),
                                                           each record linked to the one before)

``pieces`` concatenate to the line(s): for each record, the content as ``layout.prepare``
rendered it (not copied) and its sealed end (``layout.seal_end``). The costly work (rendering
a 3 kB content and hashing it) is done by ``layout.prepare`` before the lock is taken, and a
run of decisions goes through the chain once. The steps are two, not one per field: a
``stricte`` record pays for every Python call between two ``fdatasync``, on a processor the
disk wait has left cold (``bench/journal.py`` measures it against a bare write + sync).
"""

from __future__ import annotations

import time
from typing import Any

from tamis.audit import layout
from tamis.audit.chain import ChainHead


class UtcClock:
    """UTC ISO 8601 with microseconds and ``Z`` (fixed width, so strings sort as times)."""

    def __init__(self, clock=time.time_ns) -> None:
        self.clock = clock
        self._second = -1
        self._prefix = ""

    def __call__(self) -> str:
        seconds, micros = divmod(self.clock() // 1000, 1_000_000)
        if seconds != self._second:
            self._second = seconds
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(seconds))
        return self._prefix + str(1_000_000 + micros)[1:] + "Z"  # 6 digits, zero-padded


class AddEnvelope:
    """The record's place in the chain: ``evenement``, ``seq``, ``horodatage``, ``precedente``."""

    def __init__(self, head: ChainHead, clock=time.time_ns) -> None:
        self.head, self.now = head, UtcClock(clock)

    def __call__(self, logger: Any, method: str, event_dict: dict) -> dict:
        head, run = self.head, event_dict.get("contenus")
        event_dict["evenement"] = event_dict.pop("event")
        if run is None:
            event_dict["seq"] = head.seq + 1
            event_dict["horodatage"] = self.now()
        else:
            event_dict["seq"] = range(head.seq + 1, head.seq + 1 + len(run))
            event_dict["horodatage"] = [self.now() for _ in run]
        event_dict["precedente"] = head.empreinte
        return event_dict


class SealWithHash:
    """Last step: the canonical bytes, ``empreinte`` in the record and in the line, and
    ``(args, kwargs)`` for the sink's ``msg``.

    The line goes to the sink as pieces whose concatenation is the line: the content as
    ``layout.prepare`` rendered it (never copied) and the sealed end (``layout.seal_end``).
    An envelope with other keys than the journal's (``layout.envelope_tail``) is rendered
    whole by orjson instead: slower, same bytes."""

    def __call__(self, logger: Any, method: str, event_dict: dict) -> tuple:
        if "contenus" in event_dict:
            return self.run(event_dict)
        content = _prepared(event_dict.pop("contenu"))
        tail = layout.envelope_tail(event_dict)
        event_dict["contenu"] = content.fields
        if tail is None:
            line, digest = layout.seal(layout.canonical(event_dict))
            pieces = [line]
        else:
            end, digest = layout.seal_end(content, tail)
            pieces = [content.head, end]
        event_dict["empreinte"] = digest
        return (pieces,), {"record": event_dict}

    def run(self, event_dict: dict) -> tuple:
        """Seal each record of a run in turn, each linked to the one before; the tail's
        fixed parts are checked once, on the first record."""
        contents = list(map(_prepared, event_dict.pop("contenus")))
        seqs, moments = event_dict.pop("seq"), event_dict.pop("horodatage")
        first = {**event_dict, "seq": seqs[0], "horodatage": moments[0]}
        if not contents or layout.envelope_tail(first) is None:
            raise ValueError("a run of records needs a plain envelope")
        previous, version, event = (
            event_dict["precedente"],
            event_dict["version"],
            event_dict["evenement"],
        )
        seal, render, pieces, records = layout.seal_end, layout.tail_bytes, [], []
        add, keep = pieces.extend, records.append
        for content, seq, moment in zip(contents, seqs, moments, strict=True):
            end, digest = seal(content, render(event, moment, previous, seq, version))
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


def _prepared(content: layout.Prepared | dict) -> layout.Prepared:
    """The content rendered and hashed (``Journal.prepare`` did it already for decisions)."""
    return content if type(content) is layout.Prepared else layout.prepare(content)


def audit_processors(head: ChainHead) -> list:
    """The whole chain, in order, for a journal whose chain head is ``head``."""
    return [AddEnvelope(head), SealWithHash()]
