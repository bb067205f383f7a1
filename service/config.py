"""``service.toml`` -> ``ServiceConfig``: the workspaces a service serves, checked before start.

The first step of ``tamis servir`` (config -> workspaces -> HTTP app -> uvicorn). A file is
read, parsed (``tomllib``) and checked as a whole: every problem is collected as a
``ConfigProblem`` with its line, sorted, and raised together in ``ConfigInvalid``, so the
server never starts on half a configuration. Paths in the file are relative to the file's
folder. ``single_workspace`` builds the same value for ``tamis servir -p …``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tamis.audit.postgres.url import is_url, shown
from tamis.audit.seal import own_file
from tamis.grammar.vocabulary import toml_shown
from tamis.invitations.french import not_utf8, os_error, toml_error
from tamis.service.tokens import Right, TokenEntry, parse_rights

DEFAULT_WORKSPACE = "defaut"
WORKSPACE_PREFIX = "/v1/espaces/{espace}"  # every API route also exists under it
DEFAULT_MAX_BODY = 1024 * 1024
DEFAULT_MAX_INVITATIONS = 1000
ENGINES = ("natif", "durable")
DURABILITIES = ("stricte", "groupee")
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
SHA256 = re.compile(r"[0-9a-f]{64}")


DEFAULT_SEAL_EVERY = 3600  # seconds between scheduled seals: an hour
DEFAULT_ANSWERS_KEPT = 24 * 3600  # seconds an Idempotency-Key's answer is kept: a day
NO_KEY = (
    "un journal PostgreSQL n'a pas de dossier où ranger sa clé de sceau : indiquez-la avec "
    '« cle = "chemin" » (--cle FICHIER avec -p), créée en 0600 au premier sceau ; donnez '
    "la même à chaque machine"
)


OWN_FILES = {"journal": "c'est le journal de l'espace", "cle": "c'est la clé de sceau du journal"}

UTC_ZONE = ZoneInfo("UTC")  # the pages' times and days unless a workspace names its fuseau
ZONE_EXPECTED = (
    "un nom de la base des fuseaux horaires (IANA) est attendu, p. ex. « America/Toronto » "
    "ou « America/Montreal » (la liste : /usr/share/zoneinfo, ou le paquet Python tzdata)"
)
NOT_PLACES = frozenset({"localtime", "posixrules", "Factory"})
"""Files of a zone base that name no place: ``localtime``, the server's own zone (no
reader's); ``posixrules``, a default for POSIX TZ strings; ``Factory``, the « -00 » of a
machine whose zone was never set."""


def time_zone(name: str) -> ZoneInfo | None:
    """The time zone ``name`` names in the zone base (the system's, ``/usr/share/zoneinfo``,
    else the tzdata package's), or None: a workspace's ``fuseau``, in which its pages show
    times and count days. A name of ``NOT_PLACES`` is none."""
    if name.strip() in NOT_PLACES:
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


Journal = Path | str
"""Where a workspace's journal lives: a file (``Path``) or a PostgreSQL database (``str``,
always a ``postgresql://`` URL, which may hold a password: show it with ``shown``)."""


def journal_of(text: str, folder: Path = Path()) -> Journal:
    """The journal a user wrote: a ``postgresql://`` URL as given, else a path (relative to
    ``folder``)."""
    return text if is_url(text) else folder / text


@dataclass(frozen=True)
class WorkspaceConfig:
    """One person's workspace: policy, context, journal, parameter overrides, tokens."""

    name: str
    policy: Path
    journal: Journal
    context: Path | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)  # ``parametres``, TOML-typed
    tokens: tuple[TokenEntry, ...] = ()
    engine: str = "natif"
    seals: Path | None = None  # where scheduled seals of the journal's head are appended
    key: Path | None = None  # the journal's Ed25519 signing key, if named (``cle``)
    overrides: tuple[str, ...] = ()  # ``--parametre NOM=VAL`` texts (``tamis servir -p``)
    zone: ZoneInfo = UTC_ZONE  # ``fuseau``: the pages' times and days (display only)

    @property
    def journal_url(self) -> str | None:
        """The journal's PostgreSQL URL, or None for a file journal."""
        return self.journal if isinstance(self.journal, str) else None

    @property
    def seal_key(self) -> Path | None:
        """The key that signs the journal's head: ``cle``, else ``<journal>.cle.pem`` beside
        a file journal; None for a PostgreSQL journal without ``cle`` (no folder of its own)."""
        if self.key is not None or self.journal_url is not None:
            return self.key
        journal = Path(self.journal)
        return journal.with_name(journal.name + ".cle.pem")


@dataclass(frozen=True)
class Limits:
    max_body: int = DEFAULT_MAX_BODY  # bytes per request body
    max_invitations: int = DEFAULT_MAX_INVITATIONS  # invitations per request


@dataclass(frozen=True)
class CommandLine:
    """What ``tamis servir``'s options set over service.toml (``--taille-max``,
    ``--invitations-max``, ``--idempotence-duree``; None: the file decides). Kept with the
    configuration: service.toml read again on SIGHUP is compared with what applies, and a
    value the command line sets is not the file's to change."""

    max_body: int | None = None
    max_invitations: int | None = None
    answers_kept: int | None = None

    def over(self, config: ServiceConfig) -> ServiceConfig:
        """``config`` (as the file says it) with these options applied over it."""
        limits = Limits(
            self.max_body or config.limits.max_body,
            self.max_invitations or config.limits.max_invitations,
        )
        kept = self.answers_kept or config.answers_kept
        return replace(config, limits=limits, answers_kept=kept, command_line=self)


@dataclass(frozen=True)
class ServiceConfig:
    workspaces: Mapping[str, WorkspaceConfig]
    limits: Limits = Limits()
    durability: str = "groupee"
    source: Path | None = None  # the service.toml, if any (read again on SIGHUP)
    seal_every: int = DEFAULT_SEAL_EVERY  # seconds between scheduled seals
    answers_kept: int = DEFAULT_ANSWERS_KEPT  # seconds an Idempotency-Key's answer is kept
    command_line: CommandLine = CommandLine()  # options set over the file
    token_file: Path | None = None  # ``-p``'s ``--jeton-fichier`` (read again on SIGHUP)
    tokens_required: bool | None = None  # None: ``has_tokens`` (see ``guarded``)

    @property
    def has_tokens(self) -> bool:
        return any(w.tokens for w in self.workspaces.values())

    @property
    def guarded(self) -> bool:
        """Whether a request needs a token: whether the configuration the service started
        with named one. A reload keeps it (``tokens_required``): removing every token from
        service.toml refuses every request until a restart, never opens the service."""
        return self.has_tokens if self.tokens_required is None else self.tokens_required


@dataclass(frozen=True, order=True)
class ConfigProblem:
    line: int  # 1-based; 0 when the file as a whole is at fault
    message: str


class ConfigInvalid(Exception):
    """The configuration cannot be served; ``str`` lists every problem, one per line."""

    def __init__(self, path: Path, problems: list[ConfigProblem]) -> None:
        self.path, self.problems = path, sorted(problems)
        super().__init__("\n".join(self.render(p) for p in self.problems))

    def render(self, problem: ConfigProblem) -> str:
        where = f"{self.path}:{problem.line}" if problem.line else str(self.path)
        return f"{where}: erreur : {problem.message}"


def single_workspace(
    policy: Path,
    *,
    context: Path | None,
    journal: Journal,
    token_sha256: str | None,
    limits: Limits = Limits(),
    durability: str = "groupee",
    engine: str = "natif",
    overrides: tuple[str, ...] = (),
    seals: Path | None = None,
    seal_every: int = DEFAULT_SEAL_EVERY,
    answers_kept: int = DEFAULT_ANSWERS_KEPT,
    key: Path | None = None,
    zone: ZoneInfo = UTC_ZONE,
    token_file: Path | None = None,
) -> ServiceConfig:
    """``tamis servir -p …``: the workspace ``defaut``, with one all-rights token if given
    (read from ``token_file``, if named: it is read again on SIGHUP)."""
    tokens = sole_token(token_sha256)
    workspace = WorkspaceConfig(
        DEFAULT_WORKSPACE, policy, journal, context, {}, tokens, engine, seals, key, overrides,
        zone,
    )  # fmt: skip
    return ServiceConfig(
        {DEFAULT_WORKSPACE: workspace}, limits, durability, None, seal_every, answers_kept,
        token_file=token_file,
    )  # fmt: skip


def sole_token(sha256: str | None) -> tuple[TokenEntry, ...]:
    """``-p``'s token (``$TAMIS_JETON`` or ``--jeton-fichier``): every right, or none."""
    return (TokenEntry(sha256, frozenset(Right), "jeton"),) if sha256 else ()


def load_config(path: Path) -> ServiceConfig:
    """Read and check ``path``; raises ``ConfigInvalid`` with every problem found."""
    text = _read(path)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigInvalid(path, [_syntax_problem(error)]) from None
    checker = _Checker(path, text)
    config = checker.config(document)
    if checker.problems:
        raise ConfigInvalid(path, checker.problems)
    return replace(config, source=path)


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problem = ConfigProblem(0, f"le fichier {not_utf8(error)}")
    except (OSError, ValueError) as error:
        problem = ConfigProblem(0, f"fichier de configuration illisible : {os_error(error)}")
    raise ConfigInvalid(path, [problem])


def _syntax_problem(error: tomllib.TOMLDecodeError) -> ConfigProblem:
    found = re.search(r"line (\d+)", str(error))
    return ConfigProblem(
        int(found[1]) if found else 0, f"syntaxe TOML invalide, {toml_error(error)}"
    )


class _Lines:
    """Where a table or a key is written in the file: ``tomllib`` gives values, not places."""

    HEADER = re.compile(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def tables(self) -> Iterator[tuple[int, str]]:
        for number, line in enumerate(self.lines, start=1):
            found = self.HEADER.match(line)
            if found:
                yield number, re.sub(r"\s*\.\s*", ".", found[1]).replace('"', "")

    def table(self, name: str, nth: int = 0) -> int:
        """The line of the ``nth`` header ``[name]`` or ``[[name]]`` (0 if none)."""
        found = [number for number, table in self.tables() if table == name]
        return found[nth] if nth < len(found) else 0

    def key(self, table: str, key: str, nth: int = 0) -> int:
        """The line of ``key = …`` in the ``nth`` ``[table]`` (else the header's line)."""
        start = self.table(table, nth)
        pattern = re.compile(rf"\s*\"?{re.escape(key)}\"?\s*=")
        for number in range(start + 1, len(self.lines) + 1):
            line = self.lines[number - 1]
            if self.HEADER.match(line):
                break
            if pattern.match(line):
                return number
        return start


class _Checker:
    """Checks a parsed document, collecting ``ConfigProblem``s instead of stopping."""

    SERVICE_KEYS = (
        "taille_max", "invitations_max", "durabilite", "sceller_toutes", "idempotence_duree"
    )  # fmt: skip
    WORKSPACE_KEYS = (
        "politique", "contexte", "journal", "parametres", "moteur", "jetons", "sceaux", "cle",
        "fuseau",
    )  # fmt: skip

    def __init__(self, path: Path, text: str) -> None:
        self.folder, self.lines = path.parent, _Lines(text)
        self.problems: list[ConfigProblem] = []

    def problem(self, line: int, message: str) -> None:
        self.problems.append(ConfigProblem(line, message))

    def config(self, document: dict[str, Any]) -> ServiceConfig:
        for key in document:
            if key not in ("service", "espaces"):
                self.problem(self.lines.table(key) or self.lines.key("", key), _unknown(key))
        limits, durability = self.service(document.get("service", {}))
        seal_every = self.every(document.get("service", {}), "sceller_toutes", DEFAULT_SEAL_EVERY)
        kept = self.every(document.get("service", {}), "idempotence_duree", DEFAULT_ANSWERS_KEPT)
        spaces = document.get("espaces")
        if not isinstance(spaces, dict) or not spaces:
            self.problem(0, "aucun espace : ajoutez au moins une table [espaces.NOM]")
            spaces = {}
        workspaces = {name: self.workspace(name, value) for name, value in spaces.items()}
        return ServiceConfig(workspaces, limits, durability, None, seal_every, kept)

    def every(self, table: Any, key: str, default: int) -> int:
        """A number of seconds in ``[service]``."""
        if not isinstance(table, dict):
            return default
        return self.positive(table, "service", key, default)

    def service(self, table: Any) -> tuple[Limits, str]:
        if not isinstance(table, dict):
            self.problem(self.lines.key("", "service"), "« service » doit être une table")
            return Limits(), "groupee"
        for key in table:
            if key not in self.SERVICE_KEYS:
                self.problem(self.lines.key("service", key), _unknown(f"service.{key}"))
        body = self.positive(table, "service", "taille_max", DEFAULT_MAX_BODY)
        count = self.positive(table, "service", "invitations_max", DEFAULT_MAX_INVITATIONS)
        durability = self.choice(table, "service", "durabilite", DURABILITIES, "groupee")
        return Limits(body, count), durability

    def positive(self, table: dict, where: str, key: str, default: int) -> int:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.problem(
                self.lines.key(where, key),
                f"« {where}.{key} » doit être un entier positif (reçu : {toml_shown(value)})",
            )
            return default
        return value

    def choice(self, table: dict, where: str, key: str, allowed: tuple, default: str) -> str:
        value = table.get(key, default)
        if value not in allowed:
            self.problem(
                self.lines.key(where, key),
                f"« {where}.{key} » doit être l'un de {', '.join(allowed)} "
                f"(reçu : {toml_shown(value)})",
            )
            return default
        return value

    def workspace(self, name: str, table: Any) -> WorkspaceConfig:
        where = f"espaces.{name}"
        line = self.lines.table(where)
        if not NAME.fullmatch(name):
            self.problem(
                line,
                f"nom d'espace « {name} » invalide : lettres minuscules sans accents, "
                "chiffres, « - » et « _ » (64 au plus)",
            )
        if not isinstance(table, dict):
            self.problem(line, f"« {where} » doit être une table")
            return WorkspaceConfig(name, Path(), Path())
        for key in table:
            if key not in self.WORKSPACE_KEYS:
                self.problem(self.lines.key(where, key), _unknown(f"{where}.{key}"))
        policy = self.path(table, where, "politique", required=True)
        journal = self.journal(table, where)
        context = self.path(table, where, "contexte", required=False)
        parameters = self.parameters(table, where)
        engine = self.choice(table, where, "moteur", ENGINES, "natif")
        tokens = self.tokens(table.get("jetons", []), where)
        seals = self.path(table, where, "sceaux", required=False)
        key = self.path(table, where, "cle", required=False)
        if seals is not None and key is None and is_url(journal):
            self.problem(self.lines.key(where, "sceaux"), f"« {where}.sceaux » : {NO_KEY}")
        zone = self.zone(table, where)
        workspace = WorkspaceConfig(
            name, policy, journal, context, parameters, tokens, engine, seals, key, (), zone
        )
        if seals is not None and (what := own_file(seals, journal, workspace.seal_key)):
            self.problem(
                self.lines.key(where, "sceaux"),
                f"« {where}.sceaux » : {OWN_FILES[what]} ; y ajouter les sceaux le rendrait "
                "illisible : gardez-les dans un autre fichier, ailleurs que le journal",
            )
        return workspace

    def zone(self, table: dict, where: str) -> ZoneInfo:
        value = table.get("fuseau")
        if value is None:
            return UTC_ZONE
        zone = time_zone(value) if isinstance(value, str) else None
        if zone is None:
            self.problem(
                self.lines.key(where, "fuseau"),
                f"« {where}.fuseau » : fuseau horaire inconnu ({toml_shown(value)}) ; "
                f"{ZONE_EXPECTED}",
            )
            return UTC_ZONE
        return zone

    def journal(self, table: dict, where: str) -> Journal:
        """A file path, or a ``postgresql://`` URL kept as written (never made into a path,
        which would show its password and create a folder)."""
        value = table.get("journal")
        if isinstance(value, str) and is_url(value):
            return value
        return self.path(table, where, "journal", required=True)

    def path(self, table: dict, where: str, key: str, *, required: bool) -> Any:
        value = table.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            missing = value is None
            line = self.lines.table(where) if missing else self.lines.key(where, key)
            text = (
                "manquant"
                if missing
                else f"doit être un chemin de fichier (reçu : {toml_shown(value)})"
            )
            self.problem(line, f"« {where}.{key} » {text}")
            return Path()
        if is_url(value):  # never made into a path (the URL's password would be shown)
            self.problem(
                self.lines.key(where, key),
                f"« {where}.{key} » : une URL PostgreSQL ({shown(value)}) n'est pas un chemin "
                "de fichier ; seul le journal peut être dans PostgreSQL",
            )
            return Path()
        return self.folder / value

    def parameters(self, table: dict, where: str) -> Mapping[str, Any]:
        value = table.get("parametres", {})
        if not isinstance(value, dict):
            line = self.lines.key(where, "parametres") or self.lines.table(f"{where}.parametres")
            self.problem(line, f"« {where}.parametres » doit être une table NOM = VALEUR")
            return {}
        return value

    def tokens(self, entries: Any, where: str) -> tuple[TokenEntry, ...]:
        if not isinstance(entries, list):
            self.problem(self.lines.key(where, "jetons"), f"« {where}.jetons » doit être une liste")
            return ()
        return tuple(
            token
            for nth, entry in enumerate(entries)
            if (token := self.token(entry, where, nth)) is not None
        )

    def token(self, entry: Any, where: str, nth: int) -> TokenEntry | None:
        table = f"{where}.jetons"
        line = self.lines.table(table, nth) or self.lines.key(where, "jetons")
        if not isinstance(entry, dict):
            self.problem(line, f"« {table} » : chaque jeton est une table {{sha256, droits}}")
            return None
        for key in entry:
            if key not in ("sha256", "droits", "nom"):
                self.problem(self.lines.key(table, key, nth) or line, _unknown(f"{table}.{key}"))
        sha = entry.get("sha256")
        if not isinstance(sha, str) or not SHA256.fullmatch(sha):
            self.problem(
                self.lines.key(table, "sha256", nth) or line,
                f"« {table}.sha256 » doit être l'empreinte SHA-256 du jeton (64 chiffres "
                "hexadécimaux en minuscules), telle que l'imprime « tamis servir jeton »",
            )
            return None
        rights, problem = parse_rights(entry.get("droits"))
        if problem is not None:
            self.problem(
                self.lines.key(table, "droits", nth) or line, f"« {table}.droits » : {problem}"
            )
            return None
        return TokenEntry(sha, rights, str(entry.get("nom") or f"jeton {nth + 1}"))


def _unknown(key: str) -> str:
    return f"clé inconnue « {key} »"
