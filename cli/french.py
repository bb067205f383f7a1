"""French for click's own words: usage lines, section headings, errors, help of ``-h``.

click looks every user-facing string up through module-level ``_`` and ``ngettext``
names (imported from :mod:`gettext`). ``install`` replaces those names, in each click
module that has them, with lookups in the catalogue below, so that a user of ``tamis``
reads French from the first ``Utilisation :`` line to the last ``Erreur :``. It must run
before any command or option object is created, because a few strings (``Path`` type
names, the help option's text) are looked up once, at creation.
"""

from __future__ import annotations

import importlib
import re
import sys

import click.exceptions
import click.formatting
import click.types

from tamis.grammar.numbers import french

NBSP = "\u00a0"

SUBCOMMANDS = "COMMANDE [ARGUMENTS]..."
"""What a group's usage line shows for its commands (click writes ``COMMAND [ARGS]...``, a
text it does not look up in the catalogue)."""

_QUOTED = re.compile(r"'([^'\\]*)'|\"([^\"\\]*)\"")
"""A value as click quotes it, by ``repr``: ``'--politique'``, ``"l'un"``."""

_LISTS = ("possibility", "possibilities", "choice", "choices", "format", "formats")
"""The fields click fills with values it quoted."""


class Guillemets(str):
    """A French message whose ``format`` shows between guillemets the values click quoted
    with ``repr`` (« --politique », « stricte »), as the rest of the French text does."""

    def format(self, *args: object, **fields: object) -> str:
        for name in _LISTS:
            if isinstance(fields.get(name), str):
                fields[name] = _QUOTED.sub(_guillemets, fields[name])  # type: ignore[arg-type]
        return str.format(self, *args, **fields)


def _guillemets(match: re.Match[str]) -> str:
    text = match.group(1) if match.group(1) is not None else match.group(2)
    return f"« {text} »"


class _Numbers(str):
    """A French message whose ``format`` writes its numbers the French way (``1,5``, ``65 535``;
    a whole float as the integer it is: ``101``, not ``101.0``)."""

    def format(self, *args: object, **fields: object) -> str:
        shown = {k: _number(v) if _is_number(v) else v for k, v in fields.items()}
        return str.format(self, *args, **shown)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return french(value)


def describe_range(self: click.types._NumberRangeBase) -> str:  # type: ignore[name-defined]
    """click's ``IntRange``/``FloatRange`` in words, for its help (« [défaut : 20 ; au moins
    0] ») and its errors (« hors limites (entre 0 et 100) »), where click writes ``x>=0`` and
    ``0<=x<=100``."""
    low = high = None
    if self.min is not None:
        low = ("plus grand que " if self.min_open else "au moins ") + _number(self.min)
    if self.max is not None:
        high = ("plus petit que " if self.max_open else "au plus ") + _number(self.max)
    if low and high and not (self.min_open or self.max_open):
        words = f"entre {_number(self.min)} et {_number(self.max)}"
    else:
        words = " et ".join(part for part in (low, high) if part)
    return words.replace(" ", NBSP)  # one piece: a help line is not broken inside it


CATALOGUE: dict[str, str] = {
    # formatting, help pages
    "Usage:": "Utilisation\u00a0:",  # no-break spaces before « : », as in the help's text
    "Options": "Options\u00a0",
    "Commands": "Commandes\u00a0",
    "Positional arguments": "Arguments\u00a0",
    "Show this message and exit.": "Affiche cette aide et quitte.",
    "Show the version and exit.": "Affiche la version et quitte.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "env var: {var}": "variable d'environnement : {var}",
    "default: {default}": "défaut : {default}",
    "required": "obligatoire",
    "(dynamic)": "(dynamique)",
    "deprecated": "obsolète",
    # errors (exceptions.py, core.py, parser.py)
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Essayez « {command} {option} » pour l'aide.",
    "Aborted!": "Abandon !",
    "Missing command.": "Commande manquante.",
    "Missing argument": "Argument manquant",
    "Missing option": "Option manquante",
    "Missing parameter": "Paramètre manquant",
    "Missing {param_type}": "{param_type} manquant",
    "Missing parameter: {param_name}": "Paramètre manquant : {param_name}",
    "No such option {name!r}.": "Option inconnue « {name} ».",
    "No such command {name!r}.": "Commande inconnue « {name} ».",
    "Invalid value: {message}": "Valeur invalide : {message}",
    "Invalid value for {param_hint}: {message}": "Valeur invalide pour {param_hint} : {message}",
    "unknown error": "erreur inconnue",
    "Could not open file {filename!r}: {message}": (
        "Impossible d'ouvrir le fichier « {filename} » : {message}"
    ),
    "Option {name!r} does not take a value.": "L'option « {name} » ne prend pas de valeur.",
    "Argument {name!r} takes {nargs} values.": "L'argument « {name} » prend {nargs} valeurs.",
    "Invalid start character for option ({option})": (
        "Caractère initial invalide pour l'option ({option})"
    ),
    "Value must be an iterable.": "La valeur doit être une suite de valeurs.",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}": (
        "Avertissement : la commande « {name} » est obsolète.{extra_message}"
    ),
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}": (
        "Avertissement : {param_type} « {name} » est obsolète.{extra_message}"
    ),
    # types.py
    "Choose from:\n\t{choices}": "Choisissez parmi :\n\t{choices}",
    "Choice({choices})": "Choix({choices})",
    "{value!r} is not a valid {number_type}.": "« {value} » n'est pas un nombre valide.",
    "{value} is not in the range {range}.": _Numbers("{value} est hors limites ({range})."),
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "« {value} » n'est pas un booléen valide. Valeurs reconnues : {states}"
    ),
    "{value!r} is not a valid UUID.": "« {value} » n'est pas un UUID valide.",
    "file": "fichier",
    "directory": "dossier",
    "path": "chemin",
    "{name} {filename!r} does not exist.": "{name} « {filename} » introuvable.",
    "{name} {filename!r} is a file.": "{name} « {filename} » : c'est un fichier.",
    "{name} {filename!r} is a directory.": "{name} « {filename} » : c'est un dossier.",
    "{name} {filename!r} is not readable.": "{name} « {filename} » : lecture interdite.",
    "{name} {filename!r} is not writable.": "{name} « {filename} » : écriture interdite.",
    "{name} {filename!r} is not executable.": "{name} « {filename} » : exécution interdite.",
    # termui.py, decorators.py, utils.py
    "Do you want to continue?": "Voulez-vous continuer ?",
    "Confirm the action without prompting.": "Confirme l'action sans la demander.",
    "Repeat for confirmation": "Répétez pour confirmer",
    "Error: The two entered values do not match.": (
        "Erreur : les deux valeurs saisies ne correspondent pas."
    ),
    "Error: invalid input": "Erreur : saisie invalide",
    "Press any key to continue...": "Appuyez sur une touche pour continuer…",
    "Unknown color {colour!r}": "Couleur inconnue « {colour} »",
    "Unknown standard stream '{name}'": "Flux standard inconnu « {name} »",
    "d": "j",
    "Windows error: {error}": "Erreur Windows : {error}",
    "Couldn't detect Bash version, shell completion is not supported.": (
        "Version de Bash introuvable : la complétion n'est pas prise en charge."
    ),
    "Shell completion is not supported for Bash versions older than 4.4.": (
        "La complétion n'est pas prise en charge avant Bash 4.4."
    ),
    # errors in a program's own declarations (seen by developers, translated all the same)
    "Could not determine name for option with declarations {decls!r}": (
        "Impossible de nommer l'option déclarée par {decls!r}"
    ),
    "No options defined but a name was passed ({name}). Did you mean to declare an argument"
    " instead? Did you mean to pass '--{name}'?": (
        "Aucune option déclarée, mais un nom a été donné ({name}). Vouliez-vous déclarer un"
        " argument, ou écrire « --{name} » ?"
    ),
    "Name '{name}' defined twice": "Le nom « {name} » est déclaré deux fois",
    "Boolean option {decl!r} cannot use the same flag for true/false.": (
        "L'option booléenne {decl!r} ne peut pas utiliser le même drapeau pour vrai et faux."
    ),
    "Arguments take exactly one parameter declaration, got {length}: {decls}.": (
        "Un argument prend exactement une déclaration, {length} reçues : {decls}."
    ),
    "{editor}: Editing failed": "{editor} : échec de l'édition",
    "{editor}: Editing failed: {e}": "{editor} : échec de l'édition : {e}",
}

PLURALS: dict[str, tuple[str, str]] = {
    "Got unexpected extra argument ({args})": (
        "Argument en trop inattendu ({args})",
        "Arguments en trop inattendus ({args})",
    ),
    "Takes {nargs} values but 1 was given.": (
        "Prend {nargs} valeurs, mais 1 a été donnée.",
        "Prend {nargs} valeurs, mais {len} ont été données.",
    ),
    "Did you mean {possibility}?": (
        Guillemets("Vouliez-vous dire {possibility} ?"),
        Guillemets("(Vouliez-vous dire l'une de : {possibilities} ?)"),
    ),
    "Option {name!r} requires an argument.": (
        "L'option « {name} » demande une valeur.",
        "L'option « {name} » demande {nargs} valeurs.",
    ),
    "{value!r} is not {choice}.": (
        Guillemets("« {value} » n'est pas {choice}."),
        Guillemets("« {value} » n'est pas parmi {choices}."),
    ),
    "{value!r} does not match the format {format}.": (
        Guillemets("« {value} » ne suit pas le format {format}."),
        Guillemets("« {value} » ne suit aucun des formats {formats}."),
    ),
    "{len_type} values are required, but {len_value} was given.": (
        "{len_type} valeurs sont demandées, mais {len_value} a été donnée.",
        "{len_type} valeurs sont demandées, mais {len_value} ont été données.",
    ),
}

CLICK_MODULES = (
    "core",
    "exceptions",
    "formatting",
    "parser",
    "types",
    "decorators",
    "termui",
    "utils",
    "_termui_impl",
    "shell_completion",
) + (("_winconsole",) if sys.platform == "win32" else ())


def gettext(message: str) -> str:
    """The French for one of click's messages; unknown messages pass through unchanged."""
    return CATALOGUE.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """French plural rule: 0 and 1 take the singular."""
    forms = PLURALS.get(singular)
    if forms is None:
        return singular if n in (0, 1) else plural
    return forms[0] if n in (0, 1) else forms[1]


_CLICK_PARAM_HINTS = click.exceptions._join_param_hints


_ENV_HINT = " (env var: "
"""What click adds, in English and outside its catalogue, to an option read from the
environment when it names it in an error (``Option.get_error_hint``)."""


def param_hints(hint: object) -> str | None:
    """click's ``_join_param_hints`` with guillemets: « -p » / « --politique » (click quotes
    the option names itself, in « Valeur invalide pour » and « Option manquante »), and its
    « (env var: 'TAMIS_JOURNAL') » in French. An option a command names itself
    (``BadParameter(…, param_hint="--a")``) gets its guillemets too."""
    if isinstance(hint, str) and hint.startswith("-"):
        hint = [hint]
    joined = _CLICK_PARAM_HINTS(hint)
    if joined is None:
        return None
    french = f" ({CATALOGUE['env var: {var}'].format(var='')}"  # its help's words
    return _QUOTED.sub(_guillemets, joined).replace(_ENV_HINT, french)


_CLICK_WRAP = click.formatting.wrap_text


_NNBSP = "\u202f"
_HIGH = re.compile(r"(?: |(?<=\w))([;:!?])(?=[\s.…]|$)")  # after a space, or glued (« 20; x>=0 »)
_BEFORE = {":": NBSP, ";": _NNBSP, "!": _NNBSP, "?": _NNBSP}
"""French typesetting: a no-break space before « : », a narrow one before « ; », « ! », « ? »."""


def wrap_text(text: str, *args: object, **kwargs: object) -> str:
    """click's ``wrap_text`` with no-break spaces inside guillemets and before high
    punctuation, as French typesetting has it: a line of help no longer starts with the
    closing « » » of the line before, nor with the « ; » or « : » of its sentence; click's
    own « [défaut : 20; x>=0] » gets its space too."""
    text = text.replace("« ", f"«{NBSP}").replace(" »", f"{NBSP}»")
    text = _HIGH.sub(lambda found: _BEFORE[found[1]] + found[1], text)
    return _CLICK_WRAP(text, *args, **kwargs)  # type: ignore[arg-type]


def install() -> None:
    """Point click's ``_`` and ``ngettext`` at the French catalogue, its option names at
    ``param_hints`` and its help's wrapping at ``wrap_text`` (idempotent)."""
    click.exceptions._join_param_hints = param_hints
    click.formatting.wrap_text = wrap_text
    click.types._NumberRangeBase._describe_range = describe_range  # type: ignore[attr-defined]
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext
