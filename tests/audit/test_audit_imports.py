"""The audit layer serialises what it is given: importing any of it loads no evaluator,
no trace builder and no explanation (the data flows one way, issue 9), and nothing of the
layers above it (the application layer, the shells)."""

from __future__ import annotations

import subprocess
import sys

ENGINE_STAGES = (
    "tamis.engine.compile",  # the native engine
    "tamis.engine.durable_engine",
    "tamis.engine.trace",  # the evaluator behind traces
    "tamis.engine.explain",
    "tamis.engine.explainer",
)

PROBE = """
import pkgutil, sys
import tamis.audit
for module in pkgutil.iter_modules(tamis.audit.__path__):
    __import__(f"tamis.audit.{module.name}")
print(len([m for m in sys.modules if m.startswith("tamis.audit.")]))
print(" ".join(sorted(m for m in sys.modules if m.startswith("tamis.engine"))))
print(" ".join(sorted(m for m in sys.modules if m.startswith(("tamis.triage", "tamis.cli")))))
"""


def test_no_audit_module_imports_the_engine_stages():
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    count, engine_modules, above = done.stdout.split("\n")[:3]
    assert int(count) >= 10  # the probe did import the audit modules
    assert "tamis.engine.explained" in engine_modules.split()  # the data it serialises
    assert not set(engine_modules.split()) & set(ENGINE_STAGES), engine_modules
    assert above == ""  # nor the layers above it (its process pool is ``tamis.processes``)
