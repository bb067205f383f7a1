"""The user's context (``tamis.toml``): who they are, their real network, parameter defaults.

Read once before deciding, beside the invitations; the facts (``connu``, ``mensonge``,
``pertinent``) compare each sender with it. Relative paths inside the file are relative to
the file. Every problem raises ``ContextError`` whose text (French) names the file and the
key. The network is the union of ``[reseau] contacts`` and the people of the LinkedIn
export files listed in ``[reseau] fichiers`` (Connections.csv, messages.csv).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from urllib.parse import unquote

from tamis.grammar.vocabulary import Type, Value, number_problem, toml_shown, type_of
from tamis.invitations import linkedin
from tamis.invitations.files import read_bounded
from tamis.invitations.french import ZIP_SIGNATURE, not_utf8, os_error, toml_error, zip_archive
from tamis.invitations.text import normalise
from tamis.invitations.urls import host_and_path
from tamis.invitations.vocabulary import PARAMETERS


class ContextError(Exception):
    """A context file that cannot be used; ``str(error)`` is the French message."""


@dataclass(frozen=True)
class Me:
    """``[moi]``: who the user is."""

    nom: str | None = None
    domaines: list[str] = field(default_factory=list)
    entreprises: list[str] = field(default_factory=list)
    ecoles: list[str] = field(default_factory=list)
    langues: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class NetworkSection:
    """``[reseau]``: contacts named in the file, and LinkedIn export files."""

    contacts: list[str] = field(default_factory=list)
    fichiers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ContextFile:
    """The TOML document's shape (``[moi]``, ``[reseau]``, ``[parametres]``), validated.

    Built by ``quick_context_file`` when the document has exactly the expected shape, else
    by the pydantic models of ``context_schema``, which word what is wrong."""

    moi: Me = field(default_factory=Me)
    reseau: NetworkSection = field(default_factory=NetworkSection)
    parametres: dict[str, object] = field(default_factory=dict)
    conservation: str | None = None  # "365j": how long the journal keeps personal data


def quick_context_file(document: Mapping[str, object]) -> ContextFile | None:
    """The document's sections when every key is known and every value of its type; None
    for anything else (the pydantic models then decide, and word the error)."""
    if not _keys_within(document, ("moi", "reseau", "parametres", "conservation")):
        return None
    moi, reseau = document.get("moi", {}), document.get("reseau", {})
    parameters, retention = document.get("parametres", {}), document.get("conservation")
    if not (_table(moi, _ME_KEYS) and _table(reseau, ("contacts", "fichiers"))):
        return None
    if type(parameters) is not dict or not all(map(_parameter_value, parameters.values())):
        return None
    name = moi.get("nom")  # type: ignore[union-attr]
    if (name is not None and type(name) is not str) or (
        retention is not None and type(retention) is not str
    ):
        return None
    lists = {key: moi.get(key, []) for key in _ME_KEYS[1:]}  # type: ignore[union-attr]
    me = Me(name, **{k: list(v) for k, v in lists.items()})
    network = NetworkSection(**{k: list(v) for k, v in reseau.items()})  # type: ignore[union-attr]
    return ContextFile(me, network, dict(parameters), retention)


_ME_KEYS = ("nom", "domaines", "entreprises", "ecoles", "langues")


def _keys_within(table: Mapping[str, object], keys: tuple[str, ...]) -> bool:
    return all(type(key) is str and key in keys for key in table)


def _table(value: object, keys: tuple[str, ...]) -> bool:
    """A table of known keys whose lists (every key but ``nom``) hold only texts."""
    if type(value) is not dict or not _keys_within(value, keys):
        return False
    return all(_texts(item) for key, item in value.items() if key != "nom")


def _texts(value: object) -> bool:
    return type(value) is list and all(type(item) is str for item in value)


def _parameter_value(value: object) -> bool:
    return type(value) in (bool, int, float, str) or _texts(value)


class MatchKind(Enum):
    """How a person was recognised in the network (or why a name alone does not suffice)."""

    ADRESSE = "adresse"  # the profile URL is in the network: the same person
    NOM_SEUL = "nom"  # the name is, but no URL could confirm it (none known or none given)
    HOMONYME = "homonyme"  # the name is, with another profile URL: another person (a clone?)


@dataclass(frozen=True)
class Match:
    """A person looked up in the network: how, where the entry was found, its known URLs."""

    kind: MatchKind
    where: str
    known_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Network:
    """The people the user has met or is in contact with, by normalised name and URL.

    ``described`` is False when the context says nothing of the network: then nobody can be
    said to be outside it, and ``connu`` stays *inconnu*. ``name_urls`` holds, for each name,
    the profile URLs known for it: a name whose entries carry a URL is only recognised by
    that URL, since a clone profile copies a contact's name but cannot copy their address.
    """

    names: Mapping[str, str] = field(default_factory=dict)  # normalised name -> where found
    urls: Mapping[str, str] = field(default_factory=dict)  # normalised URL -> where found
    described: bool = False
    # normalised name -> (normalised URL, where found) of each entry that carries a URL
    name_urls: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def lookup(self, name: str | None, url: str | None) -> Match | None:
        """How the person with ``name`` and ``url`` stands in the network; None if absent."""
        if url and (where := self.urls.get(profile_key(url))):
            return Match(MatchKind.ADRESSE, where)
        key = normalise(name) if name else ""
        where = self.names.get(key) if key else None
        if where is None:
            return None
        known = self.name_urls.get(key, ())
        if url and known:
            return Match(MatchKind.HOMONYME, known[0][1], tuple(u for u, _ in known))
        return Match(MatchKind.NOM_SEUL, where, tuple(u for u, _ in known))


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
    retention_days: int | None = None  # ``conservation = "365j"``: ``tamis journal purger``

    @classmethod
    def empty(cls) -> Context:
        return cls()


def profile_key(url: str) -> str:
    """A LinkedIn profile URL reduced to compare: no scheme, host prefix, query or final /."""
    plain = _PLAIN_LINKEDIN.fullmatch(url.strip())
    if plain is not None:  # the usual address: the general reading below gives the same
        return f"linkedin.com{(plain[1] or '').rstrip('/')}".casefold()
    found = host_and_path(url.strip() if "://" in url else f"https://{url.strip()}")
    if found is None:  # malformed (« http://[x ») : compare the text as is
        return url.strip().casefold()
    host, path = found
    if host.endswith("linkedin.com"):
        host = "linkedin.com"
    return f"{host}{unquote(path).rstrip('/')}".casefold()


# A plain http(s) LinkedIn address (``urls._PLAIN`` whose host ends in linkedin.com): its
# key is its path, read in one match (the hosts of these addresses all become linkedin.com)
_PLAIN_LINKEDIN = re.compile(
    r"https?://[a-z0-9.-]*linkedin\.com(/[^\s%?#]*)?(?:[?#]\S*)?", re.IGNORECASE | re.ASCII
)


def load_context(path: str | Path) -> Context:
    """Read and check a context file; raises ``ContextError`` (French) on any problem."""
    path = Path(path)
    try:
        data = read_bounded(path)
    except (OSError, ValueError) as error:
        raise ContextError(f"{path} : fichier de contexte illisible : {os_error(error)}") from None
    try:
        document = tomllib.loads(data.decode("utf-8-sig"))  # Notepad writes a BOM
    except UnicodeDecodeError as error:
        raise ContextError(f"{path} : le fichier de contexte {not_utf8(error)}") from None
    except tomllib.TOMLDecodeError as error:
        raise ContextError(f"{path} : syntaxe TOML invalide, {toml_error(error)}") from None
    return context_from_document(document, path, data)


def context_from_document(document: dict[str, object], path: Path, data: bytes) -> Context:
    """The context an already parsed document describes (a test case's inline tables, too).

    ``path`` names it in errors and anchors the exports it lists; ``data`` (the file's
    bytes) goes into the hash. Raises ``ContextError`` (French) on any problem."""
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
        retention_days=_retention(parsed.conservation, path),
    )


def _retention(text: str | None, path: Path) -> int | None:
    """Days from ``conservation = "365j"`` (a whole number of days, at least 1)."""
    if text is None:
        return None
    digits = text.strip().removesuffix("j").strip()
    valid = digits.isascii() and digits.isdigit() and text.strip().endswith("j")
    if not valid or int(digits) < 1:
        raise ContextError(
            f"{path} : conservation = « {text} » : écrivez une durée en jours, p. ex. "
            '"365j" (les données personnelles des décisions plus anciennes sont effacées '
            "par « tamis journal purger »)."
        )
    return int(digits)


def _value(value: object) -> Value:
    return tuple(value) if isinstance(value, list) else value  # type: ignore[return-value]


def _validate(document: dict[str, object], path: Path) -> ContextFile:
    """The document's sections; raises ``ContextError`` naming the first key in error."""
    parsed = quick_context_file(document)
    if parsed is not None:
        return parsed
    from tamis.invitations.context_schema import validate_document  # pydantic: only here

    return validate_document(document, path)


def _check_parameters(values: Mapping[str, object], path: Path) -> None:
    """Each value of ``[parametres]``: a number tamis can hold (finite, at most 18 digits: TOML
    reads integers of any size), and for a built-in parameter its type
    and its bounds, the same as in a policy and on ``--parametre``."""
    declared = {p.name: p for p in PARAMETERS}
    for name, value in values.items():
        key = f"{path} : clé « parametres.{name} »"
        if type_of(value) is Type.NOMBRE and (problem := number_problem(value)):  # type: ignore[arg-type]
            raise ContextError(f"{key} : {problem}")
        spec = declared.get(name)
        if spec is None:
            continue
        actual = type_of(tuple(value) if isinstance(value, list) else value)
        if actual is not spec.type:
            raise ContextError(
                f"{key} : doit être de type {spec.type.value} (reçu : {toml_shown(value)})"
            )
        if problem := spec.bounds_problem(value):  # type: ignore[arg-type]
            raise ContextError(f"{key} : {problem}")


def _network(parsed: ContextFile, path: Path) -> tuple[Network, list[bytes], list[str]]:
    builder = _NetworkBuilder()
    source = f"{path.name} [reseau] contacts"
    for entry in parsed.reseau.contacts:
        builder.add(entry, "" if _looks_like_url(entry) else entry, source)
    digests, warnings = [], []
    for i, name in enumerate(parsed.reseau.fichiers):
        contacts, data, errors = _read_export(path, name, f"reseau.fichiers[{i}]", parsed.moi.nom)
        digests.append(hashlib.sha256(data).digest())
        warnings += [f"{name} : {e} (ignorée)" for e in errors]
        for contact in contacts:
            builder.add(contact.url, contact.name, f"{name}:{contact.line}")
    described = bool(parsed.reseau.contacts or parsed.reseau.fichiers)
    return builder.network(described), digests, warnings


@dataclass
class _NetworkBuilder:
    """Collects the network's entries; a name keeps every profile URL seen beside it."""

    names: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    name_urls: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def add(self, url: str, name: str, where: str) -> None:
        key = profile_key(url) if url and _looks_like_url(url) else ""
        if key:
            self.urls.setdefault(key, where)
        if name and (person := normalise(name)):
            self.names.setdefault(person, where)
            known = self.name_urls.setdefault(person, [])
            if key and all(key != seen for seen, _ in known):
                known.append((key, where))

    def network(self, described: bool) -> Network:
        urls = {name: tuple(known) for name, known in self.name_urls.items() if known}
        return Network(self.names, self.urls, described, urls)


def _looks_like_url(text: str) -> bool:
    return "://" in text or "linkedin.com/" in text.casefold()


def _read_export(
    context_path: Path, name: str, key: str, me: str | None
) -> tuple[Iterable[linkedin.Contact], bytes, list[str]]:
    file = context_path.parent / name
    where = f"{context_path} : clé « {key} » : {file}"
    try:
        data = read_bounded(file)
        if data.startswith(ZIP_SIGNATURE):
            wanted = "son fichier Connections.csv (ou messages.csv)"
            raise ContextError(f"{where} : {zip_archive(wanted)}")
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
