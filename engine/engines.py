"""Choosing an engine by name: ``natif`` (compiled Python, the default) or ``durable``.

Sits between the CLI's ``--moteur`` option and the engines; both return equal ``Decision``
values for the same inputs. durable-rules is imported only when asked for, because it does
not import on Python 3.13 and later.
"""

from __future__ import annotations

import sys
from typing import Protocol

from tamis.engine.compile import compile_policy
from tamis.engine.decision import Decision, EngineName
from tamis.grammar.checked import CheckedPolicy

ENGINES = tuple(name.value for name in EngineName)  # as users write them


class Engine(Protocol):
    def decide(self, facts, parameters=None) -> Decision: ...


class EngineUnavailable(Exception):
    """The engine asked for cannot run here; ``str(error)`` is the French message."""


def parse_engine(name: str) -> EngineName:
    """The engine a user named (``natif``, ``durable``); raises ``EngineUnavailable``."""
    try:
        return EngineName(name)
    except ValueError:
        choices = ", ".join(ENGINES)
        raise EngineUnavailable(f"moteur inconnu « {name} » : choisissez parmi {choices}") from None


def make_engine(name: EngineName, policy: CheckedPolicy) -> Engine:
    """The engine called ``name``, ready to decide with ``policy``."""
    if name is EngineName.DURABLE:
        return _durable(policy)
    return compile_policy(policy)


def _durable(policy: CheckedPolicy) -> Engine:
    try:
        from tamis.engine.durable_engine import DurablePolicy, TooLarge
    except ImportError as error:
        raise EngineUnavailable(_unavailable(error)) from None
    try:
        return DurablePolicy(policy)
    except TooLarge as error:
        raise EngineUnavailable(_too_large(policy, error.found)) from None


def _too_large(policy: CheckedPolicy, found) -> str:
    """Where and why durable-rules would hang, before it is given the policy."""
    from tamis.engine.durable_translate import MAX_BRANCHES, rule_fact

    rules = {
        rule_fact(i): (f"la règle de la ligne {r.span.line}", r.span)
        for i, r in enumerate(policy.rules)
    }
    definitions = {d.name: (f"la définition « {d.name} »", d.span) for d in policy.definitions}
    words, span = {**rules, **definitions}[found.owner]
    what = (
        f"{found.count} valeurs différentes de « {found.name} »"
        if found.name is not None
        else f"{found.count} faits et comparaisons différents"
    )
    return (
        f"{policy.path}:{span.line}:{span.column} : {words} est trop grande pour le moteur"
        f" « durable » : sa condition lui fait tester {what}, et durable-rules ne répond plus"
        f" au-delà de {MAX_BRANCHES} (ses tables ont une taille fixe) ; rien n'a été décidé."
        " Utilisez « --moteur natif », le moteur par défaut, qui décide pareil."
    )


def _unavailable(error: ImportError) -> str:
    """French, without Python's English import message: the fix is all the user needs."""
    version = ".".join(str(part) for part in sys.version_info[:3])
    return (
        f"le moteur « durable » n'est pas disponible : durable-rules ne s'importe pas sur ce "
        f"Python ({version}) ; il ne fonctionne pas à partir de Python 3.13 et doit, avant, "
        "être installé (pip install durable-rules). Utilisez « --moteur natif », le moteur "
        "par défaut, qui décide pareil."
    )
