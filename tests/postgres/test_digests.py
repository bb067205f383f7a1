"""``digests``, the verifier's pass in the server, says « intact » of a row only when
``rowcheck.digest_of`` (the digest tamis computes from the same bytes) is its ``empreinte``,
and says it of every row tamis writes; no function or operator of another schema can make it
say « intact » of a row that is not."""

from __future__ import annotations

import hashlib
import itertools
import sys
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent.parent / "audit"))
from journal_helpers import checked, fill

from tamis.audit import layout
from tamis.audit.postgres import digests, read, schema
from tamis.audit.postgres.rowcheck import as_bytes, digest_of
from tamis.cli.main import cli

TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=6)
"""Any text a PostgreSQL column can hold (no NUL, no lone surrogate)."""
ESCAPED = st.text(st.sampled_from('a"\\\n\x01\x1f\x7f\x85é🙂'), min_size=1, max_size=4)
"""Texts JSON escapes, or that some locales take for control characters."""
HEX = st.text("0123456789abcdefABCDEF g", min_size=30, max_size=66)
DATA = st.builds(
    lambda body, salt: f'{{"donnees":{body},"sel":"{salt}"}}',
    st.sampled_from(['{"nom":"Zoé"}', "{}", "1", '"é\\""']) | TEXT,
    st.sampled_from(["0" * 32, "ab" * 16, "AB" * 16, "0" * 31 + "g", "0" * 30 + " 0"]) | HEX,
)
TOMBSTONE = st.builds(
    lambda body, pledge: f'{{"effacement":{body},"engagement":"{pledge}"}}',
    st.sampled_from(['{"le":"2026-12-02","motif":"demande","seq":9}', "1"]) | TEXT,
    st.sampled_from(["0" * 64, "f" * 64]) | HEX,
)
PERSONAL = st.one_of(st.none(), DATA, TOMBSTONE, TEXT, DATA.map(lambda part: part[:-1]))
ROWS = st.fixed_dictionaries(
    {
        "contenu": st.sampled_from(['{"id":"inv-1"}', '{"a":"é\\n🙂"}']) | TEXT,
        "donnees_personnelles": PERSONAL,
        "evenement": st.sampled_from(["decision", "ouverture"]) | ESCAPED | TEXT,
        "horodatage": st.just("2026-12-02T10:00:00.5Z") | ESCAPED | TEXT,
        "precedente": st.just("0" * 64) | TEXT,
        "version": st.integers(1, 3),
        "sealed": st.sampled_from(["tamis", "raw", "no"]),
    }
)


def crafted(**changed: str) -> dict:
    """A row whose digest a server less strict than tamis would find: the usual texts but
    ``changed``, sealed by ``raw_digest``."""
    usual = {
        "contenu": '{"id":"inv-1"}',
        "donnees_personnelles": None,
        "evenement": "decision",
        "horodatage": "2026-12-02T10:00:00.5Z",
        "precedente": "0" * 64,
        "version": 3,
    }
    assert set(changed) <= set(usual)
    return {**usual, **changed, "sealed": "raw"}


def lenient_pledge(personal: bytes) -> bytes | None:
    """``layout.commitment_bytes``, but taking a salt in capitals or spaced out as
    ``bytes.fromhex`` reads it (what a server less strict than tamis would take)."""
    found = layout.commitment_bytes(personal)
    start, mark = layout.DATA_START, layout.SALT_MARK
    if found is not None or not personal.startswith(start) or personal[-42:-34] != mark:
        return found
    try:
        salt = bytes.fromhex(personal[-34:-2].decode())
    except ValueError:
        return None
    return hashlib.sha256(salt + personal[len(start) : -42]).hexdigest().encode()


def raw_digest(columns: tuple) -> str:
    """The digest of the record put together from the texts as they are, never escaped (what
    the server would compute if it took any envelope text as it is), with a salt read
    leniently (``lenient_pledge``), and a personal part of neither layout left out, comma
    and all."""
    contenu, personal, _, event, moment, previous, seq, version = as_bytes(columns)
    pledge = None if personal is None else lenient_pledge(personal)
    middle = b"," if personal is None else b""
    if pledge is not None:
        middle = b',"donnees_personnelles":"%b",' % pledge
    record = b'{"contenu":%b%b"evenement":"%b","horodatage":"%b","precedente":"%b","seq":%d,' % (
        contenu,
        middle,
        event,
        moment,
        previous,
        seq,
    )
    return hashlib.sha256(record + b'"version":%d}' % version).hexdigest()


def plain(envelope: str) -> bool:
    """Texts JSON writes as they are (``rowcheck.digest_of``'s rule)."""
    return not any(c in '"\\' or ord(c) < 0x20 for c in envelope)


@pytest.fixture
def table(pg_url: str) -> str:
    schema.initialise(pg_url)
    return pg_url


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(row=ROWS)
@example(row=crafted(donnees_personnelles='{"donnees":{},"sel":"' + "AB" * 16 + '"}'))
@example(row=crafted(donnees_personnelles='{"effacement":1,"engagement":"' + "F" * 64 + '"}'))
@example(row=crafted(contenu='{"id":"inv-1"},', donnees_personnelles="[]"))
@example(row=crafted(evenement='decision","x":"y'))
@example(row=crafted(horodatage="2026\n"))
def test_the_server_says_intact_exactly_when_tamis_computes_the_same_digest(table, row):
    sealed = row.pop("sealed")
    columns = (
        row["contenu"],
        row["donnees_personnelles"],
        "",
        row["evenement"],
        row["horodatage"],
        row["precedente"],
        1,
        row["version"],
    )
    computed = digest_of(as_bytes(columns))
    empreinte = {
        "tamis": "e" * 64 if computed is None else computed.decode(),
        "raw": raw_digest(columns),
        "no": "e" * 64,
    }[sealed]
    with psycopg.connect(table, autocommit=True) as connection:
        connection.execute("DELETE FROM tamis_journal")
        connection.execute(
            "INSERT INTO tamis_journal (seq, empreinte, contenu, donnees_personnelles, "
            "evenement, horodatage, precedente, version) VALUES (1, %s, %s, %s, %s, %s, %s, %s)",
            (empreinte, *columns[:2], *columns[3:6], row["version"]),
        )
    _, found = digests.check_range(table, read.SeqRange(1, 1))
    in_tamis = computed == empreinte.encode()
    assert found.count == 1 and found.first_seq == found.last_seq == 1
    if found.ok:
        assert in_tamis
    elif in_tamis:  # only a row whose envelope JSON escapes goes to the exact pass
        assert not plain(row["evenement"] + row["horodatage"])
    assert found.first_previous == row["precedente"].encode()
    assert found.last_digest == empreinte.encode()


def test_every_row_tamis_writes_is_intact_in_the_server_erased_or_not(table):
    fill(table, checked(), 30)
    erase = ["journal", "effacer", "inv-3", "--motif", "demande", "--oui", "--journal", table]
    assert CliRunner().invoke(cli, erase).exit_code == 0
    parts = read.seq_ranges(table, span=7)
    found = [digests.check_range(table, part)[1] for part in parts]
    assert all(check.ok for check in found) and sum(check.count for check in found) == 33
    for before, after in itertools.pairwise(found):
        assert after.first_previous == before.last_digest
    with psycopg.connect(table) as connection:
        erased = connection.execute(
            "SELECT count(*) FROM tamis_journal WHERE donnees_personnelles LIKE '{\"effacement\":%'"
        ).fetchone()[0]
    assert erased >= 1  # a tombstone's pledge was among the digests checked


def test_an_operator_of_another_schema_cannot_make_a_changed_row_intact(table):
    """A schema put before ``pg_catalog`` in the search path, holding an ``=`` on texts
    that is always true: the row changed in place is still named (the server pass reads
    ``pg_catalog`` first)."""
    fill(table, checked(), 5)
    with psycopg.connect(table, autocommit=True) as connection:
        connection.execute("CREATE SCHEMA piege")
        connection.execute(
            "CREATE FUNCTION piege.toujours(text, text) RETURNS boolean LANGUAGE sql "
            "IMMUTABLE AS 'SELECT true'"
        )
        connection.execute(
            "CREATE OPERATOR piege.= (LEFTARG = text, RIGHTARG = text, FUNCTION = piege.toujours)"
        )
        connection.execute(
            "UPDATE tamis_journal SET contenu = replace(contenu, 'inv-2', 'inv-9') WHERE seq = 5"
        )
    trapped = f"{table}?options=-csearch_path%3Dpiege,pg_catalog,public"
    with psycopg.connect(trapped) as connection:  # the trap works on a query of its own
        assert connection.execute("SELECT 'a' = 'b'").fetchone() == (True,)
    _, found = digests.check_range(trapped, read.SeqRange(1, 7))
    assert not found.ok
    result = read.verify(trapped)
    assert result.problem.kind == "modifie" and result.problem.line == 5
