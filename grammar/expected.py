"""French names for the grammar's terminals, used by ``syntax_errors`` to say what was expected.

Terminal names come from ``tamis.lark``; grouped sets (all statement starts, all operators,
all operand starts) are described as one phrase rather than listed one by one.
"""

from __future__ import annotations

from collections.abc import Iterable

STATEMENT_STARTS = frozenset(
    {"_POLITIQUE", "_RESOLUTION", "_PARAMETRE", "_DEFINIR", "_REGLE", "ACTION", "_SINON"}
)
OPERATORS = frozenset(
    {
        "EQUAL",
        "COMP_OP",
        "CONTIENT",
        "COMMENCE_PAR",
        "CORRESPOND_A",
        "DANS",
        "_ENTRE",
        "EST_RENSEIGNE",
        "N_EST_PAS_RENSEIGNE",
    }
)
CONSTANTS = frozenset({"STRING", "GSTRING", "NUMBER", "VRAI", "FAUX"})
LIST_CONSTANTS = frozenset({"STRING", "GSTRING", "LIST_NUMBER", "VRAI", "FAUX"})
OPERANDS = CONSTANTS | {"NAME", "_LSQB", "_LPAR"}
KEYWORDS = (
    STATEMENT_STARTS
    | (OPERATORS - {"EQUAL", "COMP_OP"})
    | {"PRIORITE", "_MOTIF", "_SI", "PREMIERE_APPLICABLE", "REFUS_PRIORITAIRE"}
    | {"_ET", "_OU", "_NON", "VRAI", "FAUX"}
)

# (terminals that must all be expected, the phrase naming them), most general first.
_GROUPS: tuple[tuple[frozenset[str], str], ...] = (
    (
        STATEMENT_STARTS,
        "une instruction (politique, résolution, paramètre, définir, règle, une action ou sinon)",
    ),
    (OPERATORS, "un opérateur (=, !=, <, <=, >, >=, contient, dans, entre, est renseigné, …)"),
    (OPERANDS | {"_NON"}, "une condition (un nom, une valeur, « non » ou « ( »)"),
    (CONSTANTS | {"_LSQB"}, "une valeur (nombre, chaîne, vrai, faux ou liste [ … ])"),
    (CONSTANTS, "une valeur (nombre, chaîne, vrai ou faux)"),
    (LIST_CONSTANTS, "une valeur (nombre, chaîne, vrai ou faux)"),
    (frozenset({"STRING", "GSTRING"}), "une chaîne entre guillemets"),
    (
        frozenset({"PREMIERE_APPLICABLE", "REFUS_PRIORITAIRE", "PRIORITE"}),
        "une stratégie (première_applicable, refus_prioritaire ou priorité)",
    ),
)

_SINGLE = {
    "ACTION": "une action (accepter, refuser, ignorer, signaler, examiner)",
    "NAME": "un nom",
    "NUMBER": "un nombre",
    "LIST_NUMBER": "un nombre",
    "STRING": "une chaîne entre guillemets",
    "GSTRING": "une chaîne entre guillemets",
    "COMP_OP": "un comparateur",
    "$END": "la fin du fichier",
    "EQUAL": "« = »",
    "_SI": "« si »",
    "_ET": "« et »",
    "_OU": "« ou »",
    "_NON": "« non »",
    "_MOTIF": "« motif »",
    "PRIORITE": "« priorité »",
    "_COLON": "« : »",
    "_COMMA": "« , »",
    "_LPAR": "« ( »",
    "_RPAR": "« ) »",
    "_LSQB": "« [ »",
    "_RSQB": "« ] »",
    "VRAI": "vrai",
    "FAUX": "faux",
    "CONTIENT": "« contient »",
    "COMMENCE_PAR": "« commence par »",
    "CORRESPOND_A": "« correspond à »",
    "DANS": "« dans »",
    "_ENTRE": "« entre »",
    "EST_RENSEIGNE": "« est renseigné »",
    "N_EST_PAS_RENSEIGNE": "« n'est pas renseigné »",
    "_POLITIQUE": "« politique »",
    "_RESOLUTION": "« résolution »",
    "_PARAMETRE": "« paramètre »",
    "_DEFINIR": "« définir »",
    "_REGLE": "« règle »",
    "_SINON": "« sinon »",
    "PREMIERE_APPLICABLE": "première_applicable",
    "REFUS_PRIORITAIRE": "refus_prioritaire",
}

_IGNORED = frozenset({"COMMENT", "WHITESPACE"})


def describe_expected(names: Iterable[str]) -> str:
    """``« si »``, ``une action (…) ou « sinon »``: what the parser could accept, in French."""
    left = set(names) - _IGNORED
    phrases: list[str] = []
    for group, phrase in _GROUPS:
        if group <= left:
            phrases.append(phrase)
            left -= group
    if set(names) >= STATEMENT_STARTS:
        left.discard("$END")
    phrases.extend(sorted({_SINGLE.get(name, name) for name in left}, key=_phrase_order))
    return _join(phrases)


def _phrase_order(phrase: str) -> tuple[bool, str]:
    return (phrase.startswith("«"), phrase)


def _join(phrases: list[str]) -> str:
    if not phrases:
        return "autre chose"
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " ou " + phrases[-1]


def describe_token(token) -> str:
    """How an unexpected token is quoted in a message: ``« sans_photo »``, ``« "texte" »``."""
    text = str(token)
    if len(text) > 40:
        text = text[:39] + "…"
    return f"« {text} »"
