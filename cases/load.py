"""Reading a ``.cas.toml`` test file into cases, with a French diagnostic for every problem.

First stage of ``tamis tester``: bytes -> TOML (``tomllib``) -> places of keys (``locate``)
-> ``Case`` values, checking every key and value that does not depend on the policy (key
names, types, decisions, invitations, contexts). The checks that need the policy (facts,
rules, parameters) are in ``tamis.cases.bind``. Every problem is collected, none stops the
reading: a broken case is left out, its neighbours still run.

The format, documented in ``docs/tester.md``::

    politique = "blogue.tamis"          # default: the .tamis of the same name
    contexte = "exemples/tamis.toml"    # default context of every case

    [[cas]]
    nom = "sans photo"
    invitation = { expediteur = { photo = false } }    # or "invitation.json"
    parametres = { connexions_min = 100 }
    attendu.decision = "refuser"
    attendu.regle = "photo"
    attendu.faits = { sans_photo = "vrai", mensonge = "inconnu" }
    attendu.explication = "sans_photo est vrai"
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path as FilePath
from typing import Any

from tamis.cases import deciding
from tamis.cases.locate import Path, locate
from tamis.cases.model import Case, CaseFile, ContextSpec, Expectation, FactExpectation, Parameter
from tamis.cases.problems import Problems, dotted
from tamis.grammar.ast import Action, Span
from tamis.grammar.suggest import did_you_mean, hint_for
from tamis.grammar.vocabulary import Value, toml_shown
from tamis.invitations.files import read_bounded
from tamis.invitations.french import not_utf8, os_error, toml_error
from tamis.invitations.limits import ReadError
from tamis.invitations.limits import decode as decode_invitation

SUFFIX = ".cas.toml"
TOP_KEYS = ("politique", "contexte", "moi", "reseau", "parametres", "cas")
CASE_KEYS = (
    "nom",
    "invitation",
    "contexte",
    "contexte_sha256",
    "moi",
    "reseau",
    "parametres",
    "attendu",
    "origine",
)
EXPECT_KEYS = ("decision", "regle", "faits", "explication")
TRUTH_WORDS: dict[str, Value] = {"vrai": True, "faux": False, "inconnu": None}
_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def policy_beside(path: FilePath) -> FilePath | None:
    """``jade.cas.toml`` -> ``jade.tamis``; None for a file not named that way."""
    if not path.name.endswith(SUFFIX):
        return None
    return path.with_name(path.name[: -len(SUFFIX)] + ".tamis")


def load_case_file(path: FilePath) -> CaseFile:
    """Every valid case of ``path`` and the problems of the others (nothing raises)."""
    problems = Problems(str(path), "")
    document = _document(path, problems)
    if document is None:
        return CaseFile(path, None, (), problems)
    return _Reader(path, problems).file(document)


def _document(path: FilePath, problems: Problems) -> dict[str, Any] | None:
    try:
        problems.source = read_bounded(path).decode("utf-8-sig")  # Notepad writes a BOM
    except UnicodeDecodeError as error:
        problems.error("C001", f"le fichier de cas {not_utf8(error)}")
        return None
    except (OSError, ValueError) as error:
        problems.error("C001", f"fichier de cas illisible : {os_error(error)}")
        return None
    try:
        document = tomllib.loads(problems.source)
    except tomllib.TOMLDecodeError as error:
        problems.error("C001", f"syntaxe TOML invalide, {toml_error(error)}", span=_at(error))
        return None
    problems.places = locate(problems.source)
    return document


def _at(error: tomllib.TOMLDecodeError) -> Span | None:
    found = _TOML_AT.search(str(error))
    if found is None:
        return None
    line, column = int(found[1]), int(found[2])
    return Span(line, column, line, column + 1)


class _Reader:
    """Turns the TOML document into cases, reporting into ``problems``."""

    def __init__(self, path: FilePath, problems: Problems) -> None:
        self.path = path
        self.problems = problems

    def file(self, document: dict[str, Any]) -> CaseFile:
        self.keys(document, TOP_KEYS, ())
        policy = self.policy(document)
        default_context = self.context_spec(document, (), ContextSpec())
        default_parameters = self.parameters(document, ())
        tables = self.case_tables(document)
        cases: list[Case] = []
        names: dict[str, int] = {}
        for index, table in enumerate(tables):
            case = self.case(table, index, default_context, default_parameters)
            self.unique(case, names)
            cases.append(case)
        return CaseFile(self.path, policy, tuple(cases), self.problems)

    # --- checks shared by every table --------------------------------------------------

    def keys(self, table: Mapping[str, Any], allowed: tuple[str, ...], where: Path) -> None:
        for key in table:
            if key not in allowed:
                hint = did_you_mean(key, allowed)
                known = "clés permises : " + ", ".join(allowed)
                self.problems.error(
                    "C002",
                    f"clé inconnue « {dotted((*where, key))} »",
                    (*where, key),
                    help=hint or known,
                )

    def typed(self, table: Mapping[str, Any], key: str, kind: type, words: str, where: Path):
        """``table[key]`` when it has type ``kind`` (None when absent or reported)."""
        value = table.get(key)
        if value is None or isinstance(value, kind):
            return value
        self.problems.error(
            "C003",
            f"« {dotted((*where, key))} » doit être {words} (reçu : {_shown(value)})",
            (*where, key),
            on_value=True,
        )
        return None

    def missing(self, key: str, where: Path, what: str) -> None:
        self.problems.error("C004", f"clé « {key} » absente : {what}", where)

    # --- the file ---------------------------------------------------------------------

    def policy(self, document: Mapping[str, Any]) -> FilePath | None:
        named = self.typed(document, "politique", str, "un chemin (texte)", ())
        if named is not None:
            return self.path.parent / named
        beside = policy_beside(self.path)
        if beside is None and "politique" not in document:  # else: its type was reported
            self.missing("politique", (), f"le fichier ne s'appelle pas NOM{SUFFIX}")
        return beside

    def case_tables(self, document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        tables = document.get("cas")
        if tables is None or tables == []:
            self.problems.error("C014", "aucun cas : ajoutez au moins une table [[cas]]", ())
            return []
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            self.problems.error(
                "C003", "« cas » doit être une liste de tables [[cas]]", ("cas",), on_value=True
            )
            return []
        return tables

    def unique(self, case: Case, names: dict[str, int]) -> None:
        first = names.setdefault(case.name, case.number)
        if first == case.number:
            return
        self.problems.error(
            "C013",
            f"deux cas s'appellent « {case.name} » (le cas n° {first} aussi)",
            (*case.where, "nom"),
            on_value=True,
        )

    # --- one case ---------------------------------------------------------------------

    def case(
        self,
        table: Mapping[str, Any],
        index: int,
        default_context: ContextSpec,
        default_parameters: tuple[Parameter, ...],
    ) -> Case:
        """The case at ``index``; one with problems is marked broken, to be checked, not run."""
        where: Path = ("cas", index)
        reported = len(self.problems.found)
        self.keys(table, CASE_KEYS, where)
        name = self.typed(table, "nom", str, "un texte", where)
        if name is None and "nom" not in table:
            self.missing("nom", where, "chaque cas a un nom")
        elif name is not None and not name.strip():
            self.problems.error(
                "C003",
                f"« {dotted((*where, 'nom'))} » est vide : chaque cas a un nom, que les "
                "rapports affichent",
                (*where, "nom"),
                on_value=True,
            )
            name = None
        invitation = self.invitation(table, where, name or f"cas-{index + 1}")
        context = self.context_spec(table, where, default_context)
        parameters = self.merged(default_parameters, self.parameters(table, where))
        expected = self.expectation(table, where)
        self.typed(table, "origine", str, "un texte", where)
        if len(self.problems.found) > reported or None in (name, invitation):
            self.problems.mark_broken(index)
        line = self.problems.places.get(where).key.line if self.problems.places else 0
        named = table.get("invitation")
        file = self.path.parent / named if isinstance(named, str) else None
        return Case(
            name or f"cas-{index + 1}", index + 1, line, invitation, (*where, "invitation"),
            context, parameters, expected, where, file,
        )  # fmt: skip

    def invitation(self, table: Mapping[str, Any], where: Path, name: str):
        raw = table.get("invitation")
        at: Path = (*where, "invitation")
        if raw is None:
            self.missing("invitation", where, "une table, ou le chemin d'un fichier JSON")
            return None
        if isinstance(raw, str):
            raw = self.invitation_file(raw, at)
        elif not isinstance(raw, dict):
            self.typed(table, "invitation", dict, "une table ou un chemin (texte)", where)
            return None
        if raw is None:
            return None
        raw = {"id": name, **raw}
        return self.valid_invitation(raw, at)

    def invitation_file(self, name: str, at: Path) -> dict[str, Any] | None:
        """The JSON object of an invitation file, read as ``decider`` reads one (a BOM
        skipped, its limits, its French reasons), or None once the problem is reported."""
        file = self.path.parent / name
        try:
            data = read_bounded(file)
        except (OSError, ValueError) as error:
            reason = os_error(error)
            self.problems.error(
                "C009", f"fichier d'invitation illisible : {file} : {reason}", at, on_value=True,
                help="le chemin est relatif au dossier du fichier de cas",
            )  # fmt: skip
            return None
        try:
            text = data.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as error:
            self.problems.error("C009", f"{file} : le fichier {not_utf8(error)}", at, on_value=True)
            return None
        try:
            raw = decode_invitation(text) if text.strip() else None
        except ReadError as error:
            where = f"{file}:{error.line}" if error.column is not None else str(file)
            self.problems.error("C009", f"{where} : {error.problem}", at, on_value=True)
            return None
        if not isinstance(raw, dict):
            self.problems.error("C009", f"{file} : un objet JSON était attendu", at, on_value=True)
            return None
        return raw

    def valid_invitation(self, raw: dict[str, Any], at: Path):
        invitation, errors, unknown = deciding.validated(raw)
        for field in unknown:
            self.problems.error(
                "C009",
                f"champ « {field} » inconnu de l'invitation",
                (*at, *field.split(".")),
                help=hint_for(field, deciding.invitation_fields())
                or "docs/faits.md liste les champs d'une invitation",
            )
        for error in errors:
            self.problems.error("C009", error, (*at, *_field_of(error)), on_value=True)
        return invitation if not unknown else None

    # --- context and parameters ---------------------------------------------------------

    def context_spec(
        self, table: Mapping[str, Any], where: Path, default: ContextSpec
    ) -> ContextSpec:
        inline = {key: table[key] for key in ("moi", "reseau") if key in table}
        named = table.get("contexte")
        sha = self.typed(table, "contexte_sha256", str, "un texte", where) if where else None
        if inline and named is not None:
            self.problems.error(
                "C010",
                "donnez le contexte soit par « contexte », soit par les tables [moi]/[reseau]",
                (*where, "contexte"),
            )
            return default
        if inline:
            return ContextSpec(tables=inline, where=where, recorded_sha256=sha)
        if named is False:
            return ContextSpec(where=(*where, "contexte"), recorded_sha256=sha)
        if self.typed(table, "contexte", str, "un chemin (texte) ou false", where) is None:
            return default if sha is None else _with_sha(default, sha)
        at = (*where, "contexte")
        return ContextSpec(file=self.path.parent / named, where=at, recorded_sha256=sha)

    def parameters(self, table: Mapping[str, Any], where: Path) -> tuple[Parameter, ...]:
        values = self.typed(table, "parametres", dict, "une table", where) or {}
        out = []
        for name, value in values.items():
            at = (*where, "parametres", name)
            converted = _value(value)
            if converted is None:
                self.problems.error(
                    "C003",
                    f"« {dotted(at)} » doit être un nombre, un texte, un booléen ou une liste"
                    " de textes",
                    at,
                    on_value=True,
                )
                continue
            out.append(Parameter(name, converted, at))
        return tuple(out)

    @staticmethod
    def merged(
        defaults: tuple[Parameter, ...], own: tuple[Parameter, ...]
    ) -> tuple[Parameter, ...]:
        mine = {p.name for p in own}
        return tuple(p for p in defaults if p.name not in mine) + own

    # --- expectation --------------------------------------------------------------------

    def expectation(self, table: Mapping[str, Any], where: Path) -> Expectation:
        at: Path = (*where, "attendu")
        expected = table.get("attendu")
        if expected is None:
            self.missing("attendu", where, "au moins « attendu.decision »")
            return Expectation(None)
        if not isinstance(expected, dict):
            self.typed(table, "attendu", dict, "une table (attendu.decision = …)", where)
            return Expectation(None)
        self.keys(expected, EXPECT_KEYS, at)
        decision = self.decision(expected, at)
        rule = self.typed(expected, "regle", str, "le nom d'une règle (texte)", at)
        explanation = self.typed(expected, "explication", str, "un texte", at)
        facts = self.facts(expected, at)
        return Expectation(decision, rule, facts, explanation)

    def decision(self, expected: Mapping[str, Any], at: Path) -> Action | None:
        word = self.typed(expected, "decision", str, "une décision (texte)", at)
        if word is None:
            if "decision" not in expected:
                self.missing("decision", at, "la décision attendue")
            return None
        actions = [a.value for a in Action]
        if word in actions:
            return Action(word)
        self.problems.error(
            "C005",
            f"décision inconnue « {word} »",
            (*at, "decision"),
            on_value=True,
            help=did_you_mean(word, actions) or "décisions : " + ", ".join(actions),
        )
        return None

    def facts(self, expected: Mapping[str, Any], at: Path) -> tuple[FactExpectation, ...]:
        table = self.typed(expected, "faits", dict, 'une table (nom = "vrai" …)', at) or {}
        out = []
        for name, raw in table.items():
            where = (*at, "faits", name)
            if isinstance(raw, str) and raw in TRUTH_WORDS:
                out.append(FactExpectation(name, TRUTH_WORDS[raw], where))
            elif (value := _value(raw)) is not None:
                out.append(FactExpectation(name, value, where))
            else:
                self.problems.error(
                    "C008",
                    f"« {dotted(where)} » : attendu « vrai », « faux », « inconnu », un nombre,"
                    " un texte ou une liste de textes",
                    where,
                    on_value=True,
                )
        return tuple(out)


def _with_sha(spec: ContextSpec, sha: str) -> ContextSpec:
    return ContextSpec(spec.file, spec.tables, spec.where, sha)


def _value(raw: object) -> Value:
    """A TOML value as a tamis value (lists become tuples); None for anything else."""
    if isinstance(raw, bool | int | float | str):
        return raw
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return tuple(raw)
    return None


def _field_of(message: str) -> list[str | int]:
    """``expediteur.connexions`` from « …, champ « expediteur.connexions » : … »."""
    found = re.search(r"champ « ([^»]+) »", message)
    parts = [] if found is None else [p for p in re.split(r"[.\[\]]", found[1]) if p]
    return [int(p) if p.isdigit() else p for p in parts]


def _shown(value: object) -> str:
    """A value as the TOML that wrote it (``"examiner"``, ``true``), not Python's spelling."""
    if isinstance(value, dict):
        return "une table"
    if isinstance(value, list):
        return "une liste"
    return toml_shown(value)
