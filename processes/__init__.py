"""Worker processes that a dead worker cannot hang: ``tamis.processes.workers.WorkerPool``.

Sits below every layer that runs work on several cores, and imports none of them: the
journal's readers (``tamis.audit.blocks``: a large file or a PostgreSQL journal read by
ranges) and ``tamis decider``'s deciding (``tamis.triage.parallel``) both use it. It knows
nothing of journals or invitations: it forks, sends module-level calls, hands back their
results, and says ``WorkerStopped`` when a worker dies.
"""
