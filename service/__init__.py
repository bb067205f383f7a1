"""``tamis servir``: the decision service over HTTP, as thin over ``tamis.triage`` as cli/ is.

The flow of a start: ``config`` (service.toml or ``-p``) -> ``workspaces`` (policies loaded
and journals opened through ``calls``, the one module that talks to the application layer)
-> ``app`` (FastAPI routes in ``api_*``, bodies read by ``inputs``, tokens checked by
``auth``, errors worded by ``errors``) -> ``server`` (uvicorn, signals, worker processes).
"""
