"""The ``tamis`` commands, by name: where each one lives, imported only when it is run (or
listed by ``tamis --help``), so ``tamis journal pourquoi`` does not load the engine and the
facts' modules that ``decider`` needs. A new command module adds its line here."""

from __future__ import annotations

COMMANDS: dict[str, str] = {
    "valider": "tamis.cli.valider:valider",
    "formater": "tamis.cli.formater:formater",
    "decider": "tamis.cli.decider:decider",
    "rejouer": "tamis.cli.rejouer:rejouer",
    "journal": "tamis.cli.journal:journal",
    "servir": "tamis.cli.servir:servir",
    "tester": "tamis.cli.tester:tester",
    "conseiller": "tamis.cli.conseiller:conseiller",
    "reseau": "tamis.cli.reseau:reseau",
    "analyser": "tamis.cli.analyser:analyser",
    "comparer": "tamis.cli.comparer:comparer",
}
