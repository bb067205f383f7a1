"""The journal in PostgreSQL: the same records, canonical JSON and digests as the file.

Where the file journal appends lines, this backend inserts rows, one per record, in one
table whose columns are the record's envelope, its ``contenu`` as the canonical JSON the
digest covers, and (format 3) its personal part apart, so that erasure can update that
column alone. A row is turned back into the line the file would hold (``rows.line_of``), so
every reader and the verifier check exactly the bytes a file journal holds.

- ``url``: recognising a ``postgresql://`` journal, naming it without its password,
  connecting, and French errors for what goes wrong.
- ``schema``: the versioned schema (``tamis journal initialiser``), checked on every open.
- ``rows``: a record's line <-> its row.
- ``sink``: the writer's sink (``audit.journal.Journal`` over it): appends serialised by an
  advisory lock inside the transaction that inserts a batch, acknowledged after commit.
- ``answers``: the service's ``Idempotency-Key`` answers, kept in the transaction of the
  decisions they answer.
- ``revocations``: the web sessions logged out, refused by every instance.
- ``read``: records streamed with a server-side cursor, and the chain's verification.
- ``copy``: a journal copied between a file and PostgreSQL, verified end to end.

See docs/journal-postgresql.md for the design, the grants and the figures.
"""
