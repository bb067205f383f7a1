"""The application layer: decide and journal, replay: the one pipeline the CLI and service call.

Sits between the stages (``tamis.grammar``, ``tamis.invitations``, ``tamis.engine``,
``tamis.audit``) and the shells (``tamis.cli``, ``tamis.service``): it holds no click and no
HTTP code, so every shell, the tests and the benchmarks call the same functions.
"""
