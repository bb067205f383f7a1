"""The user's context (``tamis.toml``): who they are, their real network, parameter defaults.

Read once before deciding, beside the invitations; the facts (``connu``, ``mensonge``,
``pertinent``) compare each sender with it. Relative paths inside the file are relative to
the file. Every problem raises ``ContextError`` whose text (French) names the file and the
key. The network is the union of ``[reseau] contacts`` and the people of the LinkedIn
export files listed in ``[reseau] fichiers`` (Connections.csv, messages.csv).
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated
from urllib.parse import unquote

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
)

from tamis.grammar.vocabulary import Type, Value, type_of
from tamis.invitations import linkedin
from tamis.invitations.french import not_utf8, os_error, toml_error
from tamis.invitations.text import normalise
from tamis.invitations.urls import host_and_path
from tamis.invitations.vocabulary import PARAMETERS

ParamValue = StrictBool | StrictInt | StrictFloat | StrictStr | list[StrictStr]
Names = Annotated[list[StrictStr], Field(default_factory=list)]


_UNION_TAGS = {"bool", "int", "float", "str", "list[str]"}


class ContextError(Exception):
    """A context file that cannot be used; ``str(error)`` is the French message."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Moi(_Section):
    nom: StrictStr | None = None
    domaines: Names
    entreprises: Names
    ecoles: Names
    langues: Names


class Reseau(_Section):
    contacts: Names
    fichiers: Names


class ContextFile(_Section):
    """The TOML document's shape (``[moi]``, ``[reseau]``, ``[parametres]``)."""

    moi: Moi = Field(default_factory=Moi)
    reseau: Reseau = Field(default_factory=Reseau)
    parametres: dict[str, ParamValue] = Field(default_factory=dict)


@dataclass(frozen=True)
class Network:
    """The people the user has met or is in contact with, by normalised name and URL.

    ``described`` is False when the context says nothing of the network: then nobody can be
    said to be outside it, and ``connu`` stays *inconnu*.
    """

    names: Mapping[str, str] = field(default_factory=dict)  # normalised name -> where found
    urls: Mapping[str, str] = field(default_factory=dict)  # normalised URL -> where found
    described: bool = False

    def find(self, name: str | None, url: str | None) -> tuple[str, str] | None:
        """(how it matched, where it was found) for a person in the network, else None."""
        if url and (where := self.urls.get(profile_key(url))):
            return f"adresse {url}", where
        if name and (where := self.names.get(normalise(name))):
            return f"nom « {name} »", where
        return None


@dataclass(frozen=True)
class Context:
    """What tamis knows about the user; ``Context.empty()`` when no file is given."""

    path: Path | None = None
    nom: str | None = None
    domaines: tuple[str, ...] = ()
    entreprises: tuple[str, ...] = ()
    ecoles: tuple[str, ...] = ()
    langues: tuple[str, ...] = ()
    network: Network = field(default_factory=Network)
    parameters: dict[str, Value] = field(default_factory=dict)
    sha256: str | None = None
    warnings: tuple[str, ...] = ()  # unreadable export rows, skipped

    @classmethod
    def empty(cls) -> Context:
        return cls()


def profile_key(url: str) -> str:
    """A LinkedIn profile URL reduced to compare: no scheme, host prefix, query or final /."""
    found = host_and_path(url.strip() if "://" in url else f"https://{url.strip()}")
    if found is None:  # malformed (« http://[x ») : compare the text as is
        return url.strip().casefold()
    host, path = found
    if host.endswith("linkedin.com"):
        host = "linkedin.com"
    return f"{host}{unquote(path).rstrip('/')}".casefold()


def load_context(path: str | Path) -> Context:
    """Read and check a context file; raises ``ContextError`` (French) on any problem."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except (OSError, ValueError) as error:
        raise ContextError(f"{path} : fichier de contexte illisible : {os_error(error)}") from None
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ContextError(f"{path} : le fichier de contexte {not_utf8(error)}") from None
    except tomllib.TOMLDecodeError as error:
        raise ContextError(f"{path} : syntaxe TOML invalide, {toml_error(error)}") from None
    parsed = _validate(document, path)
    _check_parameters(parsed.parametres, path)
    network, digests, warnings = _network(parsed, path)
    return Context(
        path=path,
        nom=parsed.moi.nom,
        domaines=tuple(parsed.moi.domaines),
        entreprises=tuple(parsed.moi.entreprises),
        ecoles=tuple(parsed.moi.ecoles),
        langues=tuple(parsed.moi.langues),
        network=network,
        parameters={k: _value(v) for k, v in parsed.parametres.items()},
        sha256=hashlib.sha256(data + b"".join(digests)).hexdigest(),
        warnings=tuple(warnings),
    )


def _value(value: object) -> Value:
    return tuple(value) if isinstance(value, list) else value  # type: ignore[return-value]


def _validate(document: dict[str, object], path: Path) -> ContextFile:
    try:
        return ContextFile.model_validate(document)
    except ValidationError as error:
        detail = error.errors(include_url=False)[0]
        key = ".".join(str(p) for p in detail["loc"] if str(p) not in _UNION_TAGS)
        raise ContextError(f"{path} : clé « {key} » : {_french_context(detail, key)}") from None


def _french_context(detail: Mapping[str, object], key: str) -> str:
    sections = {"moi": Moi, "reseau": Reseau, "parametres": None}
    kind = detail["type"]
    if kind == "extra_forbidden":
        section = key.split(".")[0]
        known = sections.get(section) if "." in key else None
        allowed = sorted(known.model_fields) if known else sorted(sections)
        return "clé inconnue ; clés permises : " + ", ".join(allowed)
    if kind in ("list_type", "string_type"):
        return "doit être " + ("une liste de textes" if kind == "list_type" else "un texte")
    if key.startswith("parametres."):
        return "doit être un nombre, un texte, un booléen ou une liste de textes"
    return "doit être une table TOML" if kind in ("model_type", "dict_type") else "valeur invalide"


def _check_parameters(values: Mapping[str, object], path: Path) -> None:
    declared = {p.name: p for p in PARAMETERS}
    for name, value in values.items():
        spec = declared.get(name)
        if spec is None:
            continue
        actual = type_of(tuple(value) if isinstance(value, list) else value)
        if actual is not spec.type:
            raise ContextError(
                f"{path} : clé « parametres.{name} » : doit être de type {spec.type.value}"
                f" (reçu : {value!r})"
            )
        if spec.type is Type.NOMBRE and value < 0:
            raise ContextError(f"{path} : clé « parametres.{name} » : ne doit pas être négatif")


def _network(parsed: ContextFile, path: Path) -> tuple[Network, list[bytes], list[str]]:
    names: dict[str, str] = {}
    urls: dict[str, str] = {}
    source = f"{path.name} [reseau] contacts"
    for entry in parsed.reseau.contacts:
        _add(names, urls, entry, "" if _looks_like_url(entry) else entry, source)
    digests, warnings = [], []
    for i, name in enumerate(parsed.reseau.fichiers):
        contacts, data, errors = _read_export(path, name, f"reseau.fichiers[{i}]", parsed.moi.nom)
        digests.append(hashlib.sha256(data).digest())
        warnings += [f"{name} : {e} (ignorée)" for e in errors]
        for contact in contacts:
            where = f"{name}:{contact.line}"
            _add(names, urls, contact.url, contact.name, where)
    described = bool(parsed.reseau.contacts or parsed.reseau.fichiers)
    return Network(names, urls, described), digests, warnings


def _add(names: dict[str, str], urls: dict[str, str], url: str, name: str, where: str) -> None:
    if url and _looks_like_url(url):
        urls.setdefault(profile_key(url), where)
    if name and normalise(name):
        names.setdefault(normalise(name), where)


def _looks_like_url(text: str) -> bool:
    return "://" in text or "linkedin.com/" in text.casefold()


def _read_export(
    context_path: Path, name: str, key: str, me: str | None
) -> tuple[Iterable[linkedin.Contact], bytes, list[str]]:
    file = context_path.parent / name
    where = f"{context_path} : clé « {key} » : {file}"
    try:
        data = file.read_bytes()
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ContextError(f"{where} {not_utf8(error)}") from None
    except (OSError, ValueError) as error:
        relative = isinstance(error, FileNotFoundError) and not Path(name).is_absolute()
        hint = " (chemin relatif au dossier du fichier de contexte)" if relative else ""
        raise ContextError(f"{where} : {os_error(error)}{hint}") from None
    try:
        if all(col in text[:4000] for col in linkedin.MESSAGE_COLUMNS):
            contacts, errors = linkedin.read_message_contacts(text, me)
        else:
            contacts, errors = linkedin.read_connections(text)
    except linkedin.ExportError as error:
        raise ContextError(f"{context_path} : clé « {key} » : {file} : {error}") from None
    return contacts, data, errors
