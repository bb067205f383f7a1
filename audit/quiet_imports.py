"""structlog's bound logger, without the rest of structlog's package.

The journal needs one class of structlog: ``BoundLoggerBase`` (``structlog._base``: run the
processors over the bound context and the event, hand the result to the wrapped logger).
``import structlog`` runs its package's ``__init__``, which imports everything else:
``structlog.dev`` (rich's traceback and console, colorama), ``structlog.stdlib`` and
``structlog._native`` (asyncio), ``structlog.threadlocal`` (greenlet), ``structlog.twisted``:
about 60 ms at every start of ``tamis decider``, for nothing it uses.

So, when structlog is not loaded yet, its package module is made from its spec without
running ``__init__``, and ``structlog._base`` is imported into it (a submodule needs only its
package's ``__path__``). The first time anything reads another name of the package
(``structlog.wrap_logger``, ``from structlog import dev``), the real ``__init__`` runs, in
that same module object: from then on structlog is exactly as if imported normally. While
it runs, rich is kept out, so ``structlog.dev`` sees it as absent (the journal renders its
own lines); anything that imports rich later (a progress bar, ``tamis journal``'s tables)
gets it as usual.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def _complete(module: ModuleType, spec: importlib.machinery.ModuleSpec) -> object:
    """The package's ``__getattr__`` until its ``__init__`` has run: runs it, then answers."""

    def __getattr__(name: str) -> object:
        if module.__dict__.pop("__getattr__", None) is not None:
            _without_rich(lambda: spec.loader.exec_module(module))  # type: ignore[union-attr]
        return getattr(module, name)

    return __getattr__


def _without_rich(run) -> None:
    if "rich" in sys.modules:
        run()
        return
    sys.modules["rich"] = None  # type: ignore[assignment] - « import rich » fails meanwhile
    try:
        run()
    finally:
        del sys.modules["rich"]


def _structlog_package() -> None:
    """Put structlog's package in ``sys.modules``, its ``__init__`` deferred."""
    if "structlog" in sys.modules:
        return
    spec = importlib.util.find_spec("structlog")
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return  # not a regular package: let the ordinary import below load it
    module = importlib.util.module_from_spec(spec)
    module.__getattr__ = _complete(module, spec)  # type: ignore[method-assign]
    sys.modules["structlog"] = module


_structlog_package()

from structlog._base import BoundLoggerBase  # noqa: E402 - after the package is in place

__all__ = ["BoundLoggerBase"]
