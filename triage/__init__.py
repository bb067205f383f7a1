"""The application layer: decide and journal, replay: the one pipeline the CLI and service call.

Sits between the stages (``tamis.grammar``, ``tamis.invitations``, ``tamis.engine``,
``tamis.audit``) and the shells (``tamis.cli``, ``tamis.service``): it holds no click and no
HTTP code, so every shell, the tests and the benchmarks call the same functions. Data flows
one way: each invitation is decided and explained once, into an ``Explained`` (decision,
trace, French explanation, evidence shown); the journal serialises it; shells print from it.

The interface (``tamis.triage.pipeline`` unless said otherwise)::

    setup = prepare(SetupOptions(policy_path, context_path=None,
                                 engine=EngineName.NATIF, overrides=("nom=valeur",)))
        # -> Setup(policy, engine, explainer, context, parameters, warnings)
        # raises PolicyInvalid, ContextError, ParameterError, EngineUnavailable

    for batch in decide_batches(setup, records, journal, batch_size=256):
        for outcome in batch:                 # Outcome = Decided | Rejected, input order
            ...                               # a batch is journaled before it is yielded
    decide_records(setup, records, journal=None, batch_size=1)   # the same, flattened

    outcome(setup, record)                    # one record, no journal
    decide_invitation(setup, invitation)      # -> (Explained, duration_ms): pure, no I/O
    result_json(decided, trace=False)         # the JSON object ``tamis decider`` prints
    result_text(decided, trace=False)         # the French line (and indented trace)

- ``records``: any iterable of ``InputRecord`` (``location``, ``invitation`` or None,
  ``raw``, ``errors``, ``warnings``), as ``tamis.invitations.reader`` yields them.
- ``Decided``: ``location``, ``invitation`` (the model), ``received`` (as the input gave
  it), ``explained`` (``tamis.engine.explained.Explained``), ``duration_ms``, ``warnings``;
  ``.decision`` is ``explained.decision``. ``Rejected``: ``location``, ``errors`` (French),
  ``warnings``.
- ``journal``: anything with the ``Journal`` protocol's one method,
  ``record_decisions(decided, *, policy, context_sha256)``, returning once they are written
  (``tamis.audit.journal.open_journal(path, durability=DurabilityMode.GROUPEE,
  minimise=False, warn=...)`` gives one); ``None``: nothing is kept.
- ``Explained.json``: the decision's JSON form, the same keys and values as its journal
  record (``resolution``, ``declenchees``, ``inconnues``,
  ``faits``, ``faits_derives``, ``parametres``, ``preuves``, ``trace``).

``tamis.triage.parallel``: ``start_pool(count, WorkerSetup(setup, render, minimise))``
forks ``count`` workers (before any thread starts); ``decide_in_pool(workers, records,
journal, batch_size=256, seen=seen, triage=None)`` yields the same batches as
``decide_batches``, each decided invitation as ``Done`` (its printed line, as the shell's
``render`` made it in the worker); ``records`` come from ``reader.read_texts(…, seen=seen)``
(JSON texts unread, for the workers to read); the journal needs ``append_rendered``. A
worker that dies raises ``WorkerStopped``.

``tamis.triage.replay``: ``replay_journal(setup, path, filter, warn, index=True)`` and
``replay(setup, records, filter)`` re-decide journaled invitations under ``setup`` and return
a ``Report`` of what would change; nothing is written.
"""
