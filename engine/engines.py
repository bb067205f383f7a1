"""Choosing an engine by name: ``natif`` (compiled Python, the default) or ``durable``.

Sits between the CLI's ``--moteur`` option and the engines; both return equal ``Decision``
values for the same inputs. durable-rules is imported only when asked for, because it does
not import on Python 3.13 and later.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Protocol

from tamis.engine.compile import compile_policy
from tamis.engine.decision import Decision, EngineName
from tamis.grammar.checked import CheckedPolicy
from tamis.grammar.numbers import french, group
from tamis.grammar.vocabulary import Value

ENGINES = tuple(name.value for name in EngineName)  # as users write them


class Engine(Protocol):
    def decide(self, facts, parameters=None) -> Decision: ...


class EngineUnavailable(Exception):
    """The engine asked for cannot run here; ``str(error)`` is the French message."""


class EngineFailed(Exception):
    """The engine could not decide one invitation (durable-rules' fixed limits); the others
    are decided. ``name`` and ``value``: the fact whose value it cannot hold, if that is why
    (a text too long, a number it reads wrongly); ``detail``: the engine's own (English)
    error otherwise. ``undecided`` words it."""

    def __init__(self, detail: str, name: str | None = None, value: object = None) -> None:
        super().__init__(detail)
        self.detail, self.name, self.value = detail, name, value


def undecided(ident: str, error: EngineFailed, *, journaling: bool = True) -> str:
    """Why the ``durable`` engine left invitation ``ident`` undecided, in French, for both
    shells (the record's place comes before it, as with a rejected record's error).
    durable's own text is English: only its error number is kept. ``journaling``: the run
    journals its decisions (``rejouer`` does not)."""
    kept = " ; rien n'a été inscrit au journal pour elle." if journaling else "."
    return (
        f"invitation « {ident} » : le moteur « durable » n'a pas pu la décider :"
        f" {_why(error)}{kept} Le moteur « natif » (--moteur natif), celui par défaut, la décide."
    )


def _why(error: EngineFailed) -> str:
    """What durable-rules could not hold (a value, named) or its error number."""
    from tamis.engine.durable_translate import MAX_TEXT_BYTES

    if isinstance(error.value, float):
        return (
            f"« {error.name} » vaut {french(error.value)}, un nombre que durable-rules lit mal"
            " (il s'écrit avec un exposant en JSON : moins de 0,0001 ou 10 millions de"
            " milliards et plus)"
        )
    if error.name is not None:
        return (
            f"le texte de « {error.name} » dépasse {group(MAX_TEXT_BYTES)} octets, la plus"
            " grande longueur que durable-rules compare exactement"
        )
    return _durable_error(error.detail)


def parse_engine(name: str) -> EngineName:
    """The engine a user named (``natif``, ``durable``); raises ``EngineUnavailable``."""
    try:
        return EngineName(name)
    except ValueError:
        choices = ", ".join(ENGINES)
        raise EngineUnavailable(f"moteur inconnu « {name} » : choisissez parmi {choices}") from None


def make_engine(
    name: EngineName, policy: CheckedPolicy, parameters: Mapping[str, Value] | None = None
) -> Engine:
    """The engine called ``name``, ready to decide with ``policy`` and the run's parameter
    values (``parameters``; None: the policy's own). The ``durable`` engine registers its
    ruleset for those values now: a value it cannot take is refused before anything is read,
    by name (``EngineUnavailable``), not met on the first invitation."""
    if name is EngineName.DURABLE:
        return _durable(policy, parameters)
    return compile_policy(policy)


def _durable(policy: CheckedPolicy, parameters: Mapping[str, Value] | None) -> Engine:
    try:
        from tamis.engine.durable_engine import DurablePolicy, TooLarge, Unregistered
    except ImportError as error:
        raise EngineUnavailable(_unavailable(error)) from None
    try:
        return DurablePolicy(policy, parameters)
    except EngineFailed as error:  # a parameter's value durable-rules would misread
        raise EngineUnavailable(
            f"{policy.path} : le moteur « durable » ne peut pas prendre ce paramètre :"
            f" {_why(error)} ; rien n'a été décidé. Utilisez « --moteur natif », le moteur par"
            " défaut, qui le lit exactement."
        ) from None
    except TooLarge as error:
        raise EngineUnavailable(_too_large(policy, error.found)) from None
    except Unregistered as error:
        raise EngineUnavailable(_refused(policy, str(error))) from None


def _refused(policy: CheckedPolicy, detail: str) -> str:
    """durable-rules refused the policy for a reason tamis does not foresee: its number only
    (its text is English), and the way out."""
    return (
        f"{policy.path} : le moteur « durable » ne peut pas prendre cette politique :"
        f" {_durable_error(detail)} en l'enregistrant ; rien n'a été décidé. Utilisez"
        " « --moteur natif », le moteur par défaut, qui décide pareil."
    )


def _durable_error(detail: str) -> str:
    """« durable-rules a échoué (son erreur 303) »: durable's error number, without its text."""
    code = re.search(r"error code: (\d+)", detail)
    return "durable-rules a échoué" + (f" (son erreur {code[1]})" if code else "")


def _too_large(policy: CheckedPolicy, found) -> str:
    """Where and why durable-rules would hang or refuse the policy, before it is given it."""
    from tamis.engine.durable_translate import MAX_BRANCHES, MAX_JOINS, rule_fact

    rules = {
        rule_fact(i): (f"la règle de la ligne {r.span.line}", r.span)
        for i, r in enumerate(policy.rules)
    }
    definitions = {d.name: (f"la définition « {d.name} »", d.span) for d in policy.definitions}
    words, span = {**rules, **definitions}[found.owner]
    if found.joins:
        tested = f"« {found.name} »" if found.name is not None else "la même chose"
        why = (
            f"est de trop pour le moteur « durable » : la politique teste {found.count} fois"
            f" {tested} de la même façon, et durable-rules n'en relie que {MAX_JOINS} à un"
            " même test, tous pris avant elle"
        )
    else:
        what = (
            f"{found.count} tests différents sur « {found.name} »"
            if found.name is not None
            else f"{found.count} tests différents sur des faits et des comparaisons"
        )
        why = (  # tests, not values: durable also tests whether the value is there at all
            f"est trop grande pour le moteur « durable » : sa condition lui fait faire {what},"
            f" et durable-rules ne répond plus au-delà de {MAX_BRANCHES}"
        )
    return (
        f"{policy.path}:{span.line}:{span.column} : {words} {why} (ses tables ont une taille"
        " fixe) ; rien n'a été décidé. Utilisez « --moteur natif », le moteur par défaut, qui"
        " décide pareil."
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
