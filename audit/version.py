"""tamis's version: the one place it is written (pyproject.toml reads it from here).

The journal records it (``version_tamis``) and ``tamis --version`` prints it; a constant,
because asking ``importlib.metadata`` costs tens of milliseconds at every start-up.
"""

VERSION = "0.1.0"
