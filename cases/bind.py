"""Checking a test file's cases against their policy, and building what deciding needs.

Second stage of ``tamis tester``, after ``tamis.cases.load``: a case may name a fact, a rule
or a parameter only the policy can vouch for, and its context is loaded here (once per
distinct context). Problems land in the file's ``Problems`` with the case's key path, so
they read like the file's other diagnostics (« vouliez-vous dire … »); the cases without
problems come back ``Ready`` to decide.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tamis.cases import deciding
from tamis.cases.locate import Path as KeyPath
from tamis.cases.model import Case, CaseFile, ContextSpec
from tamis.cases.problems import Problems, dotted
from tamis.grammar.checked import CheckedPolicy
from tamis.grammar.suggest import did_you_mean, hint_for
from tamis.grammar.vocabulary import Type, Value, type_of
from tamis.invitations.context import Context

_TYPE_WORDS = {
    Type.BOOLEEN: "« vrai », « faux » ou « inconnu »",
    Type.NOMBRE: "un nombre ou « inconnu »",
    Type.TEXTE: "un texte ou « inconnu »",
    Type.LISTE: "une liste de textes ou « inconnu »",
}


@dataclass(frozen=True)
class Ready:
    """A case checked against its policy, with its context and parameters in force."""

    case: Case
    context: Context
    parameters: Mapping[str, Value]


def bind(case_file: CaseFile, policy: CheckedPolicy) -> list[Ready]:
    """The cases of ``case_file`` that can run against ``policy``; others are reported."""
    binder = _Binder(case_file.problems, policy)
    runnable = {case.number for case in case_file.runnable()}
    ready = [binder.ready(case, case.number in runnable) for case in case_file.cases]
    return [r for r in ready if r is not None]


class _Binder:
    def __init__(self, problems: Problems, policy: CheckedPolicy) -> None:
        self.problems = problems
        self.policy = policy
        self.types = deciding.name_types(policy)
        self.labels = [rule.label for rule in policy.rules] + ["sinon"]
        self.contexts: dict[tuple, Context | None] = {}

    def ready(self, case: Case, runnable: bool) -> Ready | None:
        """``case`` ready to decide; a broken one is only checked (its names, its rule)."""
        reported = len(self.problems.found)
        self.rule(case)
        self.facts(case)
        if not runnable:
            for parameter in case.parameters:
                self.parameter_ok(parameter.name, parameter.value, parameter.where)
            return None
        context = self.context(case.context)
        parameters = self.parameters(case, context) if context is not None else None
        if len(self.problems.found) > reported or context is None or parameters is None:
            return None
        return Ready(case, context, parameters)

    def rule(self, case: Case) -> None:
        rule = case.expected.rule
        if rule is None or rule in self.labels:
            return
        self.problems.error(
            "C006",
            f"la politique n'a pas de règle « {rule} »",
            (*case.where, "attendu", "regle"),
            on_value=True,
            help=did_you_mean(rule, self.labels) or "règles : " + ", ".join(self.labels),
        )

    def facts(self, case: Case) -> None:
        for fact in case.expected.facts:
            expected = self.types.get(fact.name)
            if expected is None:
                hint = hint_for(fact.name, self.types)
                self.problems.error("C007", f"fait inconnu « {fact.name} »", fact.where, help=hint)
            elif fact.value is not None and type_of(fact.value) is not expected:
                self.problems.error(
                    "C008",
                    f"« {fact.name} » est de type {expected.value} : attendu"
                    f" {_TYPE_WORDS[expected]}",
                    fact.where,
                    on_value=True,
                )

    def context(self, spec: ContextSpec) -> Context | None:
        if spec.key not in self.contexts:
            self.contexts[spec.key] = self._load(spec)
        context = self.contexts[spec.key]
        if context is not None:
            self._check_parameters(context, spec)
        return context

    def _load(self, spec: ContextSpec) -> Context | None:
        try:
            if spec.file is not None:
                return deciding.context_file(spec.file)
            if spec.tables is not None:
                return deciding.inline_context(spec.tables, Path(self.problems.path))
        except deciding.ContextError as error:
            self.problems.error("C010", str(error), spec.where, on_value=spec.file is not None)
            return None
        return Context.empty()

    def _check_parameters(self, context: Context, spec: ContextSpec) -> None:
        try:
            deciding.check_context_parameters(self.policy, context)
        except deciding.ContextError as error:
            self.problems.error("C010", str(error), spec.where, on_value=True)

    def parameters(self, case: Case, context: Context) -> dict[str, Value] | None:
        overrides: dict[str, Value] = {}
        for parameter in case.parameters:
            if self.parameter_ok(parameter.name, parameter.value, parameter.where):
                overrides[parameter.name] = parameter.value
        try:
            return deciding.parameters_for(self.policy, context, overrides)
        except deciding.ParameterError as error:
            self.problems.error("C010", str(error), case.context.where, on_value=True)
            return None

    def parameter_ok(self, name: str, value: Value, where: KeyPath) -> bool:
        known = deciding.parameter_names(self.policy)
        if name not in known:
            help = did_you_mean(name, known) or "paramètres : " + (", ".join(known) or "aucun")
            self.problems.error("C011", f"paramètre inconnu « {name} »", where, help=help)
            return False
        expected = deciding.expected_type(self.policy, name)
        if type_of(value) is not expected:
            self.problems.error(
                "C011",
                f"« {dotted(where)} » doit être de type {expected.value}",
                where,
                on_value=True,
            )
            return False
        if bounds := deciding.parameter_value_problem(self.policy, name, value):
            self.problems.error("C011", f"« {dotted(where)} » {bounds}", where, on_value=True)
            return False
        problem = deciding.regex_parameter_problem(self.policy, name, value)
        if problem is not None:
            self.problems.error(
                "C011",
                f"« {name} » sert d'expression régulière, mais « {value} » est invalide :"
                f" {problem}",
                where,
                on_value=True,
            )
            return False
        return True
