"""The sender's test done by the server (``senders.where``, in ``query.where`` and in the
erasure's ``candidates``): the rows whose part cannot name the wanted sender are neither sent
nor parsed, and the search finds, and ``effacer --expediteur`` erases, exactly what the same
journal in a file gives: names mixing case, accents, characters whose case folding or
composition gives ASCII, JSON escapes, erased records, format 2 records and advice."""

from __future__ import annotations

import itertools
import json
import sys
import unicodedata
from pathlib import Path

import orjson
import psycopg
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent.parent / "audit"))
from journal_helpers import checked, decide

from tamis.audit import erase, layout, personal, processors, queries
from tamis.audit.advice import Origin
from tamis.audit.journal import open_journal
from tamis.audit.postgres import erase as pg_erase
from tamis.audit.postgres import query, senders
from tamis.audit.postgres.copy import copy_journal
from tamis.cli.main import cli
from tamis.invitations.context import Context
from tamis.outreach import journaled
from tamis.outreach.advice import Draft, advise

LETTERS = 'aAhHkKsStTxXyYé"\\ ;`ßſﬆİȟŗ\u0331\u0302\u0308\u037e\u1fef\u212a/.-'
"""Names and URLs are drawn from these: case, an accent, JSON's escaped characters, the
characters whose case folding (ß ſ ﬆ İ K) or composition (; from U+037E, ` from U+1FEF,
ẖ from ȟ and U+0331) gives ASCII, and plain letters around them."""
TEXT = st.text(alphabet=LETTERS, max_size=8)
KINDS = ("recue", "envoyee", "format2", "conseil")
USER = {"nom": "Jade Bérubé Morin", "profil_url": "https://www.linkedin.com/in/jade"}
MOMENT = "2026-12-04T23:00:00.000000Z"


class Person:
    """One record to write: a decision on an invitation received from this person, a
    request to send to them, a format 2 decision, or advice on a draft to them."""

    def __init__(self, kind: str, name: str, url: str, erased: bool = False, escaped=False):
        self.kind, self.name, self.url = kind, name, url
        self.erased = erased and kind != "format2"  # a format 2 record cannot be erased
        self.escaped = escaped  # its line written with every non-ASCII character escaped


def written(path: Path, people: list[Person]) -> None:
    """A verified file journal of ``people`` (format 2 records first, then the others), the
    chosen ones erased, the chosen lines written with JSON escapes."""
    people = sorted(people, key=lambda p: p.kind != "format2")
    policy, ids = checked(), []
    for number, person in enumerate(people):
        ids.append(_record(path, policy, number, person))
    erased = frozenset(i for i, p in zip(ids, people, strict=True) if p.erased)
    if erased:
        erase.erase(path, erase.Selection(erased), "demande", warn=print, clock=lambda: MOMENT)
    old = sum(1 for p in people if p.kind == "format2")
    escaped = {i for i, p in zip(ids, people, strict=True) if p.escaped}
    _rechained(path, old, escaped)


def _record(path: Path, policy, number: int, person: Person) -> str:
    """Write one ``person``'s record; its id."""
    who = {"nom": person.name, "profil_url": person.url}
    with open_journal(path) as journal:
        if person.kind == "conseil":
            draft = Draft(person.name, "Bonjour", person.url, None)
            entry = journaled.entry(
                draft, advise(draft, Context.empty()), Origin.COMMAND, Context()
            )
            return journal.record_advice(entry)["contenu"]["id"]
        received = {"id": f"inv-{number}", "message": "Bonjour", "expediteur": who}
        sent = {"id": f"inv-{number}", "sens": "sortante", "expediteur": USER, "destinataire": who}
        invitation = sent if person.kind == "envoyee" else received
        journal.record_decision(decide(policy), policy=policy, invitation=invitation)
        return invitation["id"]


def _rechained(path: Path, old: int, escaped: set[str]) -> None:
    """The journal rewritten with its first records, through its ``old``-th decision, as
    format 2 records (the personal part back in the content), every digest chained again,
    and the lines of the records named in ``escaped`` written as another program may write
    them (``ensure_ascii``: « é » as ``\\u00e9``), which tamis reads as the same record."""
    records = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    decisions = [n for n, r in enumerate(records) if r["evenement"] == "decision"]
    last_old = decisions[old - 1] if old else -1
    lines, previous = [], layout.GENESIS
    for number, record in enumerate(records):
        if number <= last_old:
            record = {**personal.merged(record), "version": 2}
        record = {key: value for key, value in record.items() if key != "empreinte"}
        record["precedente"] = previous
        record["empreinte"] = previous = layout.record_digest(record)
        lines.append(_line(record, record["contenu"].get("id") in escaped))
    path.write_bytes(b"".join(line + b"\n" for line in lines))


def _line(record: dict, escaped: bool) -> bytes:
    if not escaped:
        return layout.canonical(record)
    return json.dumps(record, ensure_ascii=True, sort_keys=True, separators=(",", ":")).encode()


_SCHEMAS = itertools.count()


def in_database(pg_url: str, path: Path) -> str:
    """``path`` copied by ``tamis journal copier`` into a new PostgreSQL schema; its URL."""
    name = f"expediteurs_{next(_SCHEMAS)}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {name}")
    url = pg_url + ("&" if "?" in pg_url else "?") + f"options=-csearch_path%3D{name}"
    copy_journal(str(path), url, warn=print)
    return url


PEOPLE = st.lists(
    st.builds(Person, st.sampled_from(KINDS), TEXT, TEXT, st.booleans(), st.booleans()),
    min_size=1,
    max_size=6,
)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=PEOPLE, data=st.data())
def test_postgresql_finds_and_would_erase_what_the_file_does(
    pg_url, tmp_path_factory, people, data
):
    """The same records, in a file and copied into PostgreSQL: a wanted text taken from a
    name or URL (as written or folded) and one drawn freely give the same rows on both, and
    ``effacer`` would choose the same records (erased, already erased, format 2, people)."""
    path = tmp_path_factory.mktemp("expediteurs") / "j.jsonl"
    written(path, people)
    url = in_database(pg_url, path)
    named = [text for p in people for text in (p.name, p.url) if text.strip()]
    inside = (
        st.sampled_from(named).flatmap(lambda t: st.sampled_from(_pieces(t))) if named else TEXT
    )
    for wanted in (data.draw(inside), data.draw(TEXT.filter(str.strip))):
        flt = queries.parse_filter(sender=wanted)
        in_file = list(queries.search(path, flt, index=False))
        assert list(queries.search(path, flt)) == in_file
        assert list(query.search(url, flt, print)) == in_file, wanted
        event("trouvées" if in_file else "aucune trouvée")
        chosen = erase.Selection(filter=flt)
        on_file, on_database = erase.count(path, chosen), pg_erase.count(url, chosen)
        assert vars(on_database) == vars(on_file), wanted


def _pieces(text: str) -> list[str]:
    """Every non-blank piece of ``text``, and of it as ``sender_ok`` reads it."""
    folded = unicodedata.normalize("NFC", text).casefold()
    return [
        piece[i:j]
        for piece in (text, folded, folded.upper())
        for i in range(len(piece))
        for j in range(i + 1, len(piece) + 1)
        if piece[i:j].strip()
    ]


NAMES = [  # the search for « tremblay » must read the first four, and only them
    Person("recue", "Julie TREMBLAY", "https://www.linkedin.com/in/jt"),
    Person("envoyee", "Marc", "https://www.linkedin.com/in/marc-tremblay"),
    Person("format2", "Luc Tremblay", ""),
    Person("recue", "Straße", ""),  # ß: its part may name anyone, so it is sent
    *[Person("recue", f"Karim Lavoie {n}", f"https://www.linkedin.com/in/kl{n}") for n in range(8)],
    Person("recue", "Ana Tremblay", "", erased=True),  # erased: names nobody
]


def sent_rows(monkeypatch, module, name: str) -> list:
    """The rows the server sends to ``module.name`` (a reader of rows), as it hands them
    over: the real function, counted."""
    seen: list = []
    real = getattr(module, name)

    def counted(*args, **kwargs):
        for row in real(*args, **kwargs):
            seen.append(row)
            yield row

    monkeypatch.setattr(module, name, counted)
    return seen


def test_the_server_sends_only_the_rows_whose_part_may_name_the_sender(
    pg_url, tmp_path, monkeypatch
):
    """Before, every decision's personal part was sent and tested in tamis (≈ 7 µs a row):
    the server now keeps only those whose bytes may name the wanted text."""
    path = tmp_path / "j.jsonl"
    written(path, NAMES)
    url = in_database(pg_url, path)
    sent = sent_rows(monkeypatch, query, "copy_ranges")
    flt = queries.parse_filter(sender="TREMBLAY")
    found = list(query.search(url, flt, print))
    assert [row["expediteur"] for row in found] == [
        "Luc Tremblay", "Julie TREMBLAY", USER["nom"]  # the request's row shows its sender
    ]  # fmt: skip
    assert found == list(queries.search(path, flt, index=False))
    assert len(sent) == 4  # the three that name Tremblay, and Straße
    del sent[:]
    one = queries.parse_filter(sender="Lavoie 7")
    assert len(list(query.search(url, one, print))) == 1 and len(sent) == 2  # and Straße
    del sent[:]
    list(query.search(url, queries.parse_filter(sender="Rémi"), print))  # not plain ASCII
    assert len(sent) == len(NAMES)  # every decision: the bytes cannot tell
    read = sent_rows(monkeypatch, pg_erase, "_lines")  # what effacer --expediteur reads
    assert len(pg_erase.count(url, erase.Selection(filter=flt)).erased) == 2  # not format 2
    assert len(read) == 4


def test_the_condition_keeps_what_may_name_keeps(pg_url):
    """The SQL is ``may_name``: the same verdict on the same part, whatever it holds."""
    parts = [
        layout.canonical({"donnees": {"invitation": {"expediteur": {"nom": n}}}, "sel": "00"})
        for n in ("Julie Tremblay", "JULIE", "Straße", "ȟ\u0331", "a\u037eb", "x.y*z", "")
    ]
    with psycopg.connect(pg_url) as connection:
        for wanted in ("julie", "TREMBLAY", "ss", "h", ";", ".y*", "x.y", "é", "[", "a|b"):
            flt = queries.parse_filter(sender=wanted)
            condition = senders.where(flt, "%s")
            for part in parts:
                expected = senders.may_name(flt)(part)
                if condition is None:
                    assert expected
                    continue
                sql, params = condition
                (kept,) = connection.execute(f"SELECT {sql}", [part.decode(), *params]).fetchone()
                assert kept == expected, (wanted, part)


def test_case_in_the_c_collation_is_ascii_s_alone(pg_url):
    """``~*`` in the ``"C"`` collation matches a letter in either ASCII case and no other
    character (not the Kelvin sign for « k », nor ſ for « s »), on every code point."""
    every = "SELECT string_agg(chr(c), '' ORDER BY c) FROM generate_series(1, 1114111) c"
    with psycopg.connect(pg_url) as connection:
        for letter in "aksi":
            found = connection.execute(
                every + ' WHERE c NOT BETWEEN 55296 AND 57343 AND chr(c) COLLATE "C" ~* %s',
                [letter],
            ).fetchone()[0]
            assert found == letter.upper() + letter


@pytest.fixture
def frozen(monkeypatch):
    """Every erasure at one moment, so that a file and a database get the same record."""
    monkeypatch.setattr(processors.UtcClock, "__call__", lambda self: MOMENT)


ERASED = [
    Person("recue", "Julie ROY", "https://www.linkedin.com/in/julie-roy"),
    Person("envoyee", "Rémi", "https://www.linkedin.com/in/remi-roy"),
    Person("format2", "Paul Roy", ""),  # chosen, not erasable: counted
    Person("conseil", "Annie Roy", ""),
    Person("recue", "Roy Déjà", "", erased=True),
    Person("recue", "Straße", "https://www.linkedin.com/in/ﬆella"),
    Person("recue", "xȟ\u0331", ""),
    Person("recue", "a\u037eb", "", escaped=True),
    Person("recue", "Karim Lavoie", "https://www.linkedin.com/in/kl", escaped=True),
]


@pytest.mark.parametrize("wanted", ["roy", "ROY", "ss", "st", "xh", ";", "linkedin.com/in/"])
def test_effacer_by_sender_erases_on_postgresql_what_it_erases_in_a_file(
    pg_url, tmp_path, frozen, wanted
):
    """What a file's erasure erases (every record whose person the filter keeps) is erased
    in PostgreSQL too, the rows whose part the server turns away included in none of it."""
    path = tmp_path / "j.jsonl"
    written(path, ERASED)
    url = in_database(pg_url, path)
    command = ["journal", "effacer", "--expediteur", wanted, "--motif", "demande", "--oui"]
    on_file = CliRunner().invoke(cli, [*command, "--journal", str(path)])
    on_database = CliRunner().invoke(cli, [*command, "--journal", url])
    assert on_file.exit_code == on_database.exit_code == 0, on_database.output
    assert on_database.output == on_file.output
    assert "effacé" in on_file.output, on_file.output
    back = tmp_path / "retour.jsonl"
    copy_journal(url, str(back), warn=print)
    assert back.read_bytes() == layout_of(path)


def layout_of(path: Path) -> bytes:
    """The file's records as a copy from PostgreSQL writes them: canonical lines."""
    lines = path.read_bytes().splitlines()
    return b"".join(layout.canonical(orjson.loads(line)) + b"\n" for line in lines)
