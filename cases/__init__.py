"""Policy tests: ``.cas.toml`` files of cases, run against a policy, with coverage.

An application-layer package beside ``tamis.triage``: it reads test files (``load``, with
``locate`` for places and ``problems`` for diagnostics), finds them next to their policies
(``discover``), decides each case through one small door into the pipeline (``deciding``),
compares with what the case expects (``run``), measures which rules and conditions the cases
exercised (``coverage``), renders the results for people and CI (``report``, ``junit``), and
turns journal records into new cases (``freeze``). ``tamis tester`` and ``tamis journal
figer`` are thin shells over it.
"""
