"""Lark's syntax errors -> French diagnostics; used by ``parse`` only (text -> Lark tree step).

Codes (each documented in docs/langage.md):

    E001  unexpected token (generic, or a labelled common mistake with its own message)
    E002  unterminated string (``"…`` or ``« …`` not closed on its line)
    E003  unexpected character
    E004  unexpected end of file
    E005  missing ``si`` after an action or a defined name
    E006  unclosed parenthesis, or ``)`` without ``(``
    E007  priority that is not an integer (raised by ``to_ast``)
    E008  dotted name for a parameter or a definition (raised by ``to_ast``)
    E009  condition nested too deeply (``to_ast``; a RecursionError anywhere also lands here)

Common mistakes are recognised the way lark's ``match_examples`` does it: each ``Mistake`` lists
sample bad policies; an error that stops the parser in the same LALR state (and, unless
``any_token``, on the same kind of token) as one of the samples gets that mistake's message.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from tamis.grammar.ast import Span
from tamis.grammar.diagnostics import Diagnostic, Severity
from tamis.grammar.expected import (
    KEYWORDS,
    OPERANDS,
    OPERATORS,
    STATEMENT_STARTS,
    describe_expected,
    describe_token,
)


@dataclass(frozen=True)
class Mistake:
    code: str
    message: str
    help: str | None
    examples: tuple[str, ...]
    any_token: bool = True  # False: the sample's token type must match too


RULE_EXAMPLE = "par exemple « refuser si sans_photo »"

MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        "E005",
        "il manque « si » après l'action",
        f"une règle s'écrit « ACTION si condition », {RULE_EXAMPLE}",
        ("refuser sans_photo", 'règle "a" : refuser sans_photo'),
    ),
    Mistake(
        "E005",
        "il manque « si » après le nom défini",
        "une définition s'écrit « définir NOM si condition »",
        ("définir suspect connu",),
    ),
    Mistake(
        "E001",
        "il manque la condition après « si »",
        f"écrivez une condition, {RULE_EXAMPLE}",
        ("refuser si", "définir x si"),
    ),
    Mistake(
        "E001",
        "il manque « : » après le nom de la règle",
        'écrivez par exemple « règle "vente" : signaler si pitch_de_vente »',
        ('règle "a" refuser si b', 'règle "a" priorité 1 refuser si b'),
    ),
    Mistake(
        "E001",
        "le nom d'une règle s'écrit entre guillemets",
        'écrivez par exemple « règle "vente" : signaler si pitch_de_vente »',
        ("règle vente : refuser si b",),
    ),
    Mistake(
        "E001",
        "la priorité d'une règle est un nombre entier",
        'écrivez par exemple « règle "vente" priorité 10 : signaler si pitch_de_vente »',
        ('règle "a" priorité : refuser si b',),
    ),
    Mistake(
        "E001",
        "le nom de la politique s'écrit entre guillemets",
        'écrivez par exemple « politique "Mon réseau" »',
        ("politique Mon réseau",),
    ),
    Mistake(
        "E001",
        "stratégie de résolution inconnue",
        "choisissez première_applicable, refus_prioritaire ou priorité",
        ("résolution premiere",),
    ),
    Mistake(
        "E001",
        "il manque « = » après le nom du paramètre",
        "écrivez par exemple « paramètre connexions_min = 50 »",
        ("paramètre connexions_min 50",),
    ),
    Mistake(
        "E001",
        "la valeur d'un paramètre est une constante",
        "écrivez un nombre, une chaîne entre guillemets, vrai, faux ou une liste [ … ]",
        ("paramètre seuil = autre",),
    ),
    Mistake(
        "E001",
        "une liste ne contient que des constantes séparées par des virgules",
        'écrivez par exemple [ "vente", "emploi" ]',
        (
            "paramètre l = [x]",
            'paramètre l = ["a" "b"]',
            "paramètre l = [1 2]",
            'paramètre l = ["a", x]',
        ),
    ),
    Mistake(
        "E001",
        "il manque l'action après « sinon »",
        "écrivez par exemple « sinon examiner »",
        ("sinon si",),
    ),
    Mistake(
        "E001",
        "« sinon » ne prend pas de condition",
        "écrivez une règle « ACTION si condition » ; « sinon ACTION » décide quand aucune "
        "règle ne s'applique",
        ("sinon accepter si a",),
        any_token=False,
    ),
    Mistake(
        "E001",
        "« motif » attend une chaîne entre guillemets",
        'écrivez par exemple « motif "Une invitation n\'est pas un argumentaire de vente." »',
        ("refuser si a motif b",),
    ),
    Mistake(
        "E001",
        "il manque « et » dans « entre … et … »",
        "écrivez par exemple « expediteur.relations_communes entre 0 et 2 »",
        ("refuser si a entre 1 2",),
    ),
    Mistake(
        "E001",
        "« == » n'existe pas en tamis",
        "pour l'égalité, écrivez un seul « = »",
        ("refuser si a == 1",),
        any_token=False,
    ),
)

_CHARACTER_HELP = {
    "'": 'les chaînes s\'écrivent entre guillemets droits "…" ou entre « … »',
    "’": 'les chaînes s\'écrivent entre guillemets droits "…" ou entre « … »',
    "“": 'les chaînes s\'écrivent entre guillemets droits "…" ou entre « … »',
    "”": 'les chaînes s\'écrivent entre guillemets droits "…" ou entre « … »',
    "»": "guillemet fermant sans « ouvrant",
    "&": "pour « et » logique, écrivez « et »",
    "|": "pour « ou » logique, écrivez « ou »",
    "!": "écrivez « non » pour la négation, « != » pour la différence",
    ";": "une instruction par ligne, sans « ; »",
}

Parse = Callable[[str], object]


def syntax_diagnostic(error: UnexpectedInput, source: str, path: str, parse: Parse) -> Diagnostic:
    """The French diagnostic for the first syntax error Lark found in ``source``."""
    if isinstance(error, UnexpectedCharacters):
        return _character_diagnostic(error, source, path)
    if isinstance(error, UnexpectedToken):
        return _token_diagnostic(error, path, parse)
    line, column = max(error.line, 1), max(error.column, 1)
    span = Span(line, column, line, column + 1, error.pos_in_stream or 0)
    return _error("E001", "erreur de syntaxe", span, None, path)


def too_deep(source: str, path: str) -> Diagnostic:
    """E009 when the policy is too deeply nested for Python's stack."""
    span = Span(1, 1, 1, 2, 0, min(1, len(source)))
    message = "politique trop imbriquée pour être analysée"
    return _error("E009", message, span, "découpez les conditions avec des « définir »", path)


def _error(code: str, message: str, span: Span, help: str | None, path: str) -> Diagnostic:
    return Diagnostic(code, Severity.ERREUR, message, span, help, path)


# --- unexpected characters -----------------------------------------------------------------


def null_character(source: str, path: str) -> Diagnostic | None:
    """E003 at the first NUL of ``source``, wherever it stands: the lexer would let one
    through inside a string or a comment, and the journal, which keeps the policy's source and
    rule names, then could not be written to PostgreSQL (its texts hold no NUL)."""
    start = source.find("\x00")
    if start < 0:
        return None
    line = source.count("\n", 0, start) + 1
    column = start - source.rfind("\n", 0, start)
    span = Span(line, column, line, column + 1, start, start + 1)
    message = "caractère inattendu U+0000 (caractère nul) : une politique est du texte"
    help = "le fichier est abîmé, ou enregistré en UTF-16 : réenregistrez-le en UTF-8"
    return _error("E003", message, span, help, path)


def _character_diagnostic(error: UnexpectedCharacters, source: str, path: str) -> Diagnostic:
    char = error.char
    start = error.pos_in_stream
    if char in '"«':
        end = source.find("\n", start)
        end = len(source) if end == -1 else end
        span = Span(error.line, error.column, error.line, error.column + end - start, start, end)
        closing = '"' if char == '"' else "»"
        help = f"fermez la chaîne par « {closing} » sur la même ligne"
        return _error("E002", "chaîne non terminée", span, help, path)
    span = Span(error.line, error.column, error.line, error.column + 1, start, start + 1)
    message = f"caractère inattendu {_show_char(char)}"
    return _error("E003", message, span, _CHARACTER_HELP.get(char), path)


def _show_char(char: str) -> str:
    if char.isprintable() and not char.isspace():
        return f"« {char} »"
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


# --- unexpected tokens ---------------------------------------------------------------------


def _token_diagnostic(error: UnexpectedToken, path: str, parse: Parse) -> Diagnostic:
    token = error.token
    span = _eof_span(token) if token.type == "$END" else _token_span(token)
    mistake = _matching_mistake(error, parse)
    if mistake is not None:
        return _error(mistake.code, mistake.message, span, mistake.help, path)
    special = _paren_diagnostic(error, span, path) or _missing_operator(error, span, path)
    if special is not None:
        return special
    expected = describe_expected(error.expected)
    if token.type == "$END":
        return _error("E004", f"fin de fichier inattendue ; attendu : {expected}", span, None, path)
    message = f"{describe_token(token)} inattendu ; attendu : {expected}"
    return _error("E001", message, span, _token_help(error), path)


def _token_span(token) -> Span:
    return Span(
        token.line, token.column, token.end_line, token.end_column, token.start_pos, token.end_pos
    )


def _eof_span(token) -> Span:
    """Just after the last token (Lark gives ``$END`` the last token's position)."""
    line = token.end_line or 1
    column = token.end_column or 1
    offset = token.end_pos or 0
    return Span(line, column, line, column + 1, offset, offset)


def _parser_state(error: UnexpectedToken):
    """Lark's ParserState (the contextual lexer passes it; the parser gives an interactive one)."""
    interactive = getattr(error, "interactive_parser", None)
    return interactive.parser_state if interactive is not None else error.state


def _state_tail(error: UnexpectedToken) -> tuple:
    """The last two LALR states: where the parser stopped and the context it came from."""
    return tuple(getattr(_parser_state(error), "state_stack", ())[-2:])


def _value_stack(error: UnexpectedToken) -> list:
    return list(getattr(_parser_state(error), "value_stack", ()))


def _matching_mistake(error: UnexpectedToken, parse: Parse) -> Mistake | None:
    tail = _state_tail(error)
    for mistake, sample in _sample_errors(parse):
        if _state_tail(sample) != tail:
            continue
        if mistake.any_token or sample.token.type == error.token.type:
            return mistake
    return None


@functools.cache
def _sample_errors(parse: Parse) -> tuple[tuple[Mistake, UnexpectedToken], ...]:
    """Each mistake's samples with the error they raise (computed once per parser)."""
    samples = []
    for mistake in MISTAKES:
        for example in mistake.examples:
            for text in (example, _AFTER_A_STATEMENT + example):
                try:
                    parse(text)
                except UnexpectedToken as error:
                    samples.append((mistake, error))
    return tuple(samples)


# The parser state at the start of a statement differs between the first statement and the
# others, so every sample is also tried after a complete statement.
_AFTER_A_STATEMENT = "sinon examiner\n"


def _paren_diagnostic(error: UnexpectedToken, span: Span, path: str) -> Diagnostic | None:
    token = error.token
    opened = [value for value in _value_stack(error) if getattr(value, "type", "") == "_LPAR"]
    if opened and "_RPAR" in error.expected and token.type in _CLOSERS:
        paren = opened[-1]
        help = "ajoutez « ) » à la fin de la condition"
        return _error("E006", "parenthèse non fermée", _token_span(paren), help, path)
    if not opened and token.type == "_RPAR":
        message = "parenthèse fermante « ) » sans parenthèse ouvrante"
        return _error("E006", message, span, "retirez-la ou ajoutez « ( » plus tôt", path)
    return None


_CLOSERS = STATEMENT_STARTS | {"$END", "_MOTIF", "_RSQB"}


def _missing_operator(error: UnexpectedToken, span: Span, path: str) -> Diagnostic | None:
    """Two operands in a row (``refuser si a b``): the most common slip inside a condition."""
    if error.token.type not in OPERANDS or not set(error.expected) >= OPERATORS:
        return None
    message = f"{describe_token(error.token)} inattendu : il manque « et », « ou » ou un opérateur"
    help = _misspelt_keyword(error) or (
        "reliez les conditions par « et » / « ou », ou comparez avec =, contient, dans, …"
    )
    return _error("E001", message, span, help, path)


def _token_help(error: UnexpectedToken) -> str | None:
    token = error.token
    if "NAME" in error.expected and token.type in KEYWORDS:
        return f"« {token} » est un mot réservé : il ne peut pas servir de nom"
    if token.type == "_MOTIF":
        return "« motif » ne suit qu'une règle de décision (ACTION si condition)"
    return _misspelt_keyword(error)


_SPELLINGS: dict[str, tuple[str, ...]] = {
    "_POLITIQUE": ("politique",),
    "_RESOLUTION": ("résolution",),
    "_PARAMETRE": ("paramètre",),
    "_DEFINIR": ("définir",),
    "_REGLE": ("règle",),
    "ACTION": ("accepter", "refuser", "ignorer", "signaler", "examiner"),
    "_SINON": ("sinon",),
    "_SI": ("si",),
    "_MOTIF": ("motif",),
    "PRIORITE": ("priorité",),
    "PREMIERE_APPLICABLE": ("première_applicable",),
    "REFUS_PRIORITAIRE": ("refus_prioritaire",),
    "_ET": ("et",),
    "_OU": ("ou",),
    "CONTIENT": ("contient",),
    "DANS": ("dans",),
    "_ENTRE": ("entre",),
    "VRAI": ("vrai",),
    "FAUX": ("faux",),
}
"""How each keyword the parser may expect is written, to guess the one a name misspells."""


def _misspelt_keyword(error: UnexpectedToken) -> str | None:
    """« vouliez-vous dire « refuser » ? » for a name where a keyword close to it was
    expected (``refusr si …``, ``sinn accepter``, ``motiv "…"``)."""
    if error.token.type != "NAME":
        return None
    from tamis.grammar.suggest import did_you_mean

    words = [word for name in error.expected for word in _SPELLINGS.get(name, ())]
    return did_you_mean(str(error.token), words)
