"""The audit journal: append-only, hash-chained JSON Lines, and the queries that read it."""
