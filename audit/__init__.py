"""The audit journal: append-only, hash-chained JSON Lines, and the queries that read it.

Flow: ``Explained`` (built once by the engine stage) -> ``record`` (the journal's own
versioned schema, v2, serialised from it) -> ``layout.prepare`` (content rendered and
hashed, outside the lock) -> ``processors`` (structlog: sequence, UTC time, previous digest,
envelope, SHA-256 seal) -> ``sink`` (append mode, 0600, ``flock``,
chunked writes, ``stricte``/``groupee`` durability; ``torn`` sets a torn last line aside) ->
file -> ``blocks`` (large reads, byte ranges, a process pool) -> ``reader`` (streaming) ->
``verify`` / ``queries`` / ``stats`` / ``why``. ``layout`` is the line format both sides
share; ``chain`` the chain head; ``csvsafe`` the CSV cells; ``errors`` the one exception,
``JournalError`` (French message).

Writing (the only entry point the CLI and the service need)::

    from tamis.audit.journal import open_journal, default_journal_path
    from tamis.audit.sink import DurabilityMode

    with open_journal(path, durability=DurabilityMode.GROUPEE, minimise=False, warn=...) as journal:
        journal.record_decisions(decided, policy=checked_policy, context_sha256=context.sha256)
            # ``decided``: items with ``explained`` (an ``Explained``), ``received`` (the raw
            # invitation) and ``duration_ms`` (``record.ToRecord``, e.g. ``record.Entry``);
            # one locked write; returns the records once they are in the file
        journal.record_decision(explained, policy=..., invitation=raw, duration_ms=ms)  # one
        journal.record_advice(advice.AdviceEntry(...))  # a ``conseil`` record, not a decision
        pending = journal.prepare(entry, policy=...)  # build + render + hash, no lock, no I/O
        journal.write([pending, ...])                 # number, chain, seal, write, sync

``default_journal_path()`` is ``$TAMIS_JOURNAL`` or ``./tamis-journal.jsonl``. ``warn``
(default: stderr) receives French warnings (torn line set aside, file readable by others).

Reading::

    from tamis.audit.reader import iter_records   # every complete record, streamed (dicts)
    from tamis.audit.queries import parse_filter, select   # filtered decision records
    from tamis.audit.queries import search, journal_stats  # rows / counts, on every core
    from tamis.audit.verify import verify_journal  # Verification(count, problem, …), every core
    from tamis.audit.why import find_decisions, explanation, explanation_lines

A record (``record.Record``) is ``{"seq", "horodatage", "evenement", "precedente",
"empreinte", "version", "contenu"}``; for ``evenement == "decision"``, ``contenu`` is a
``record.DecisionContent`` (invitation as received, facts, derived facts, decision, rule,
motif, resolution, fired and unknown rules, trace, explanation, policy name/path/sha256,
parameters, context sha256, engine, tamis version, duration); version 2 keeps each value once
(trace nodes name what they read, optional ``null`` fields are left out; version 1 records are
still read). ``politique`` records carry the policy's full ``source``.
"""
