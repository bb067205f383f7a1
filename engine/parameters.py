"""The parameter values in force for a run, type-checked, from four sources.

Sits just before deciding: the CLI hands it the checked policy, the context file's
``[parametres]`` and the ``--parametre NOM=VAL`` strings; the result goes to
``NativePolicy.decide`` and to fact extraction. Precedence, lowest first: the vocabulary's
default, the context's ``[parametres]``, the policy's own ``paramètre``, the command line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from tamis.grammar import ast
from tamis.grammar.check_regex import regex_problem
from tamis.grammar.checked import CheckedPolicy, Kind
from tamis.grammar.suggest import did_you_mean
from tamis.grammar.vocabulary import Type, Value, number_problem, toml_shown, type_of

_TRUE = {"vrai", "true", "oui"}
_FALSE = {"faux", "false", "non"}
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")


class ParameterError(Exception):
    """A parameter that cannot be used; ``str(error)`` is the French message.
    ``in_context``: the value came from the context's ``[parametres]`` (a problem of that
    file, which the shell names), not from ``--parametre`` (a usage error) or a setting."""

    def __init__(self, message: str, *, in_context: bool = False) -> None:
        super().__init__(message)
        self.in_context = in_context


def effective_parameters(
    policy: CheckedPolicy,
    context_defaults: Mapping[str, Value],
    overrides: Sequence[str],
    settings: Mapping[str, object] | None = None,
    settings_origin: str = "",
) -> dict[str, Value]:
    """Every parameter the policy knows, with its value for this run.

    A context parameter this policy does not know is ignored (one context file can serve
    several policies); a known one must have the parameter's type. ``settings`` are values
    already typed (a service workspace's ``parametres`` table, ``settings_origin`` its place
    in French), and an override a ``NOM=VAL`` text: each must name a known parameter and be
    of its type, and replaces the policy's own value.
    """
    values = dict(policy.parameters)
    declared = policy.declared_parameters
    for name, value in context_defaults.items():
        if name in values and name not in declared:
            values[name] = _checked(policy, name, value)
        elif name not in values and (hint := did_you_mean(name, values)):
            raise ParameterError(
                f"[parametres] du contexte : paramètre inconnu « {name} » ; {hint}",
                in_context=True,
            )
    for name, value in (settings or {}).items():
        values[name] = checked_setting(policy, name, value, settings_origin)
    for text in overrides:
        name, value = parse_override(policy, text)
        values[name] = value
    for name in regex_parameters(policy):
        _check_pattern(name, values[name])
    return values


def regex_parameters(policy: CheckedPolicy) -> frozenset[str]:
    """The parameters used as the pattern of ``correspond à``: their values must compile."""
    conditions = [d.condition for d in policy.definitions] + [r.condition for r in policy.rules]
    return frozenset(
        node.right.name
        for condition in conditions
        for node in ast.walk(condition)
        if isinstance(node, ast.Compare)
        and node.op is ast.Op.MATCHES
        and isinstance(node.right, ast.Ref)
        and policy.kinds.get(node.right.name) is Kind.PARAMETRE
    )


def _check_pattern(name: str, value: Value) -> None:
    problem = regex_problem(value) if isinstance(value, str) else None
    if problem is not None:
        reason, position = problem.reason, problem.position
        where = f" (caractère {position + 1} du motif)" if position is not None else ""
        raise ParameterError(
            f"« {name} » sert d'expression régulière (« correspond à »), mais « {value} » "
            f"est invalide : {reason}{where} ; pour chercher un caractère spécial tel quel, "
            "faites-le précéder de « \\ »"
        )


def parameter_type(policy: CheckedPolicy, name: str) -> Type:
    """The type of a known parameter: the checker's, else that of its current value."""
    return policy.types.get(name) or type_of(policy.parameters[name]) or Type.TEXTE


def _checked(policy: CheckedPolicy, name: str, value: Value) -> Value:
    expected = parameter_type(policy, name)
    if isinstance(value, list):
        value = tuple(value)
    if type_of(value) is not expected:
        raise ParameterError(
            f"[parametres] du contexte : « {name} » doit être de type {expected.value}, "
            f"pas {_shown(value)}",
            in_context=True,
        )
    return value


def parse_override(policy: CheckedPolicy, text: str) -> tuple[str, Value]:
    """``NOM=VAL`` -> (name, typed value); raises ``ParameterError`` (French)."""
    name, equal, raw = text.partition("=")
    name = name.strip()
    if not equal or not name:
        raise ParameterError(f"--parametre {text} : attendu NOM=VALEUR (ex. connexions_min=100)")
    if name not in policy.parameters:
        raise ParameterError(_unknown(policy, name, f"--parametre {text}"))
    expected = parameter_type(policy, name)
    value = PARSERS[expected](raw.strip())
    if value is None:
        raise ParameterError(
            f"--parametre {text} : « {raw.strip()} » n'est pas {_EXPECTED[expected]}"
        )
    if problem := value_problem(policy, name, value):
        raise ParameterError(f"--parametre {text} : « {name} » {problem}")
    return name, value


def value_problem(policy: CheckedPolicy, name: str, value: Value) -> str | None:
    """Why ``value``, of the right type, cannot be parameter ``name`` (French), or None: a
    number tamis cannot hold (more than 18 digits; the journal records it), or a built-in
    parameter's bounds. The same rule as the policy's (E009, E038) and the context's."""
    if type_of(value) is Type.NOMBRE and (problem := number_problem(value)):  # type: ignore[arg-type]
        return problem
    spec = policy.builtin_parameters.get(name)
    return spec.bounds_problem(value) if spec is not None else None


def checked_setting(policy: CheckedPolicy, name: str, value: object, origin: str) -> Value:
    """``value``, given typed for parameter ``name`` at ``origin`` (a TOML table: the text
    of a list item is never split, a text is never unquoted), if the policy knows the
    parameter and ``value`` has its type and bounds; else ``ParameterError`` (French)."""
    if name not in policy.parameters:
        raise ParameterError(_unknown(policy, name, origin))
    expected = parameter_type(policy, name)
    if isinstance(value, list):
        value = tuple(value)
    if type_of(value) is not expected:  # type: ignore[arg-type]
        raise ParameterError(
            f"{origin} : « {name} » doit être de type {expected.value}, pas {_shown(value)}"  # type: ignore[arg-type]
        )
    if problem := value_problem(policy, name, value):  # type: ignore[arg-type]
        raise ParameterError(f"{origin} : « {name} » {problem}")
    return value  # type: ignore[return-value]


def _unknown(policy: CheckedPolicy, name: str, origin: str) -> str:
    message = f"{origin} : paramètre inconnu « {name} »"
    hint = did_you_mean(name, policy.parameters)
    if hint:
        return f"{message} ; {hint}"
    known = ", ".join(f"« {n} »" for n in sorted(policy.parameters))
    return f"{message} (paramètres connus : {known or 'aucun'})"


def _shown(value: Value) -> str:
    kind = type_of(value)
    return f"{kind.value} ({toml_shown(value)})" if kind is not None else toml_shown(value)


def parse_number(raw: str) -> int | float | None:
    """``50``, ``0.5`` or ``0,5``; None when it is not a number."""
    if not _NUMBER.fullmatch(raw):
        return None
    if "." not in raw and "," not in raw:
        return int(raw)
    return float(raw.replace(",", "."))


def parse_boolean(raw: str) -> bool | None:
    word = raw.casefold()
    return True if word in _TRUE else False if word in _FALSE else None


def parse_text(raw: str) -> str:
    for first, last in (('"', '"'), ("«", "»")):
        if len(raw) >= 2 and raw.startswith(first) and raw.endswith(last):
            return raw[1:-1].strip() if first == "«" else raw[1:-1]
    return raw


def parse_list(raw: str) -> tuple[str, ...]:
    """Comma-separated items, spaces around each removed; an empty value is the empty list."""
    return tuple(item.strip() for item in raw.split(",") if item.strip())


PARSERS: dict[Type, Callable[[str], Value]] = {
    Type.NOMBRE: parse_number,
    Type.BOOLEEN: parse_boolean,
    Type.TEXTE: parse_text,
    Type.LISTE: parse_list,
}
_EXPECTED = {
    Type.NOMBRE: "un nombre (ex. 50 ou 0,5)",
    Type.BOOLEEN: "un booléen (vrai, faux, oui, non, true, false)",
    Type.TEXTE: "un texte",
    Type.LISTE: "une liste (éléments séparés par des virgules)",
}
