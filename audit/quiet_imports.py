"""structlog, imported without the console extras its package pulls in.

``import structlog`` runs ``structlog.dev``, which imports rich's traceback and console
modules (about 40 ms at every start of ``tamis decider``) for a console renderer the journal
never uses: it renders its own lines (``layout``). While structlog loads, rich is kept out,
so ``structlog.dev`` sees it as absent; anything that imports rich later (a progress bar,
``tamis journal``'s tables) gets it as usual. (``structlog.stdlib`` still imports asyncio:
a lazy module does not survive Python 3.11's import statement, which reads ``__spec__``.)
"""

from __future__ import annotations

import sys
from types import ModuleType


def _structlog() -> ModuleType:
    if "structlog" not in sys.modules and "rich" not in sys.modules:
        sys.modules["rich"] = None  # type: ignore[assignment] - « import rich » fails meanwhile
        try:
            import structlog
        finally:
            del sys.modules["rich"]
    import structlog

    return structlog


structlog = _structlog()
