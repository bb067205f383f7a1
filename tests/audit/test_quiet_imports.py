"""``tamis.audit.quiet_imports``: the journal's structlog logger without the rest of the
package, and structlog whole for whoever asks for more."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import tamis.audit.journal
light = sorted(m for m in sys.modules if m.startswith(("structlog", "asyncio", "rich")))
print(light)
import structlog
from structlog import dev
logger = structlog.wrap_logger(structlog.testing.CapturingLogger(), processors=[])
logger.info("bonjour", cle=1)
print(logger._logger.calls[0].args, structlog.stdlib.BoundLogger.__name__, dev.rich)
print(isinstance(tamis.audit.journal.AuditLogger(None, [], {}), structlog.BoundLoggerBase))
"""


def run(probe: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_the_journal_loads_only_structlogs_bound_logger_and_the_rest_still_works():
    light, captured, complete = run(PROBE)
    assert light == "['structlog', 'structlog._base', 'structlog.exceptions', 'structlog.typing']"
    assert captured == "() BoundLogger None"  # rich kept out of structlog.dev, as before
    assert complete == "True"


def test_structlog_imported_first_is_left_as_it_is():
    probe = "import structlog, tamis.audit.journal, sys; print('structlog.dev' in sys.modules)"
    assert run(probe) == ["True"]
