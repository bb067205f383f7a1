"""Reading as it comes: any size of input in bounded memory, every format, values cut at any
place by the reader's pieces; the ids seen kept compactly."""

# ruff: noqa: E501 - expected French messages stay on one line, as users see them

from __future__ import annotations

import io
import itertools
import json

import orjson
import pytest

from tamis.invitations import source as source_module
from tamis.invitations.reader import read_invitations
from tamis.invitations.seen import _MAX_GAP, _SETTLE, _WIDTH, MAX_PLACE, SeenIds


def invitation(number: int) -> dict:
    return {
        "id": f"i-{number}",
        "message": "x" * (number % 7),
        "expediteur": {"connexions": number},
    }


def ids(records) -> list[str]:
    return [r.invitation.id for r in records if r.invitation is not None]


class Counting(io.RawIOBase):
    """A byte stream over ``data`` that counts what the reader asked of it."""

    def __init__(self, data: bytes) -> None:
        self.data, self.offset, self.largest_unread = data, 0, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self.data[self.offset : self.offset + len(buffer)]
        buffer[: len(chunk)] = chunk
        self.offset += len(chunk)
        return len(chunk)


@pytest.mark.parametrize("indent", [None, 2])
def test_an_array_is_read_element_by_element_across_pieces(monkeypatch, indent) -> None:
    monkeypatch.setattr(source_module, "CHUNK", 7)  # every value is cut somewhere
    values = [invitation(n) for n in range(60)]
    values[5]["expediteur"]["photo"] = True
    values[6]["message"] = None
    values[7]["expediteur"]["connexions"] = 1234567890123
    text = json.dumps(values, indent=indent, ensure_ascii=False)
    stream = io.BufferedReader(Counting(text.encode()), buffer_size=16)
    records = list(read_invitations(stream, name="lot.json"))
    assert ids(records) == [f"i-{n}" for n in range(60)]
    assert all(not r.errors for r in records)
    assert records[7].invitation.expediteur.connexions == 1234567890123
    assert records[6].invitation.message == ""
    line = text[: text.rindex('"i-59"')].count("\n") + (indent is None)  # the last one's "{"
    assert records[-1].location == f"lot.json:{line} (élément 60)"


@pytest.mark.parametrize("kind", ["tableau", "suite"])
def test_a_long_pretty_printed_input_is_read_whole(kind) -> None:
    """Past the first pieces, reading more for a value drops the text before it: the value
    is still read from its own start, and its place stays right (valid arrays and
    sequences were cut short here, with an error at a place where there was none)."""
    values = [{**invitation(n), "message": "é" * 300} for n in range(1200)]
    if kind == "tableau":
        text = json.dumps(values, indent=2, ensure_ascii=False)
    else:
        text = "\n".join(json.dumps(value, indent=2, ensure_ascii=False) for value in values)
    stream = io.BufferedReader(Counting(text.encode()))
    records = list(read_invitations(stream, name="lot.json"))
    assert ids(records) == [f"i-{n}" for n in range(1200)]
    assert all(not r.errors for r in records)
    line = text[: text.rindex('"i-1199"')].count("\n")  # the last one's "{"
    last = f"lot.json:{line} (élément 1200)" if kind == "tableau" else f"lot.json:{line}"
    assert records[-1].location == last


def test_a_one_line_array_is_not_read_whole(monkeypatch) -> None:
    text = "[" + ",".join(orjson.dumps(invitation(n)).decode() for n in range(3000)) + "]"
    raw = Counting(text.encode())
    records = read_invitations(io.BufferedReader(raw), name="un.json")
    for _ in range(10):
        next(records)
    assert raw.offset < len(text) // 2  # a few pieces, not the file
    assert len(list(records)) == 2990


def test_pretty_printed_invitations_one_after_another() -> None:
    text = json.dumps(invitation(1), indent=2) + "\n" + json.dumps(invitation(2), indent=2)
    records = list(read_invitations(io.StringIO(text), name="deux.json"))
    assert ids(records) == ["i-1", "i-2"]
    assert [r.location for r in records] == ["deux.json:1", "deux.json:8"]


def test_json_lines_from_a_file_are_read_line_by_line(tmp_path) -> None:
    path = tmp_path / "lot.jsonl"
    path.write_bytes(b"".join(orjson.dumps(invitation(n)) + b"\n" for n in range(5000)))
    records = read_invitations(path, name="lot.jsonl")
    assert next(records).location == "lot.jsonl:1"
    assert sum(1 for _ in records) == 4999


def test_a_line_that_is_not_utf8_costs_only_itself(tmp_path) -> None:
    path = tmp_path / "latin.jsonl"
    path.write_bytes(b'{"id": "a"}\n{"id": "caf\xe9"}\n{"id": "b"}\n')
    records = list(read_invitations(path, name="latin.jsonl"))
    assert ids(records) == ["a", "b"]
    assert records[1].location == "latin.jsonl:2"
    assert records[1].errors == (
        "le fichier n'est pas en UTF-8 (octet 0xe9 à la ligne 2, colonne 12) ; réenregistrez-le en UTF-8",
    )


def test_csv_rows_are_read_as_they_come(tmp_path) -> None:
    header = "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"
    rows = "".join(
        f'Ana {n},Moi,"1/29/26, 2:37 PM",,INCOMING,https://www.linkedin.com/in/ana-{n},\n'
        for n in range(3000)
    )
    raw = Counting((header + rows).encode())
    records = read_invitations(io.BufferedReader(raw), name="Invitations.csv")
    assert next(records).invitation.expediteur.nom == "Ana 0"
    assert raw.offset < len(rows) // 2
    assert len(list(records)) == 2999


def test_a_csv_row_saved_in_windows_1252_costs_only_itself(tmp_path) -> None:
    """Excel's « CSV » is Windows-1252: the row with an accent is refused, naming its byte
    and column; the rows around it are read."""
    header = "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"
    row = 'Ana {},Moi,"1/29/26, 2:37 PM",{},INCOMING,https://www.linkedin.com/in/ana-{},\n'
    path = tmp_path / "Invitations.csv"
    path.write_bytes(
        header.encode()
        + row.format("A", "", "a").encode()
        + row.format("B", "Déjà vu", "b").encode("cp1252")
        + row.format("C", "Réunion", "c").encode()
    )
    records = list(read_invitations(path, name="Invitations.csv"))
    assert [r.invitation.expediteur.nom for r in records if not r.errors] == ["Ana A", "Ana C"]
    assert records[1].location == "Invitations.csv:3"
    assert records[1].errors == (
        "le fichier n'est pas en UTF-8 (octet 0xe9 dans la colonne « Message ») ; "
        "réenregistrez-le en UTF-8 (dans Excel : « CSV UTF-8 »)",
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_file_in_utf16_is_named_as_such(tmp_path, encoding) -> None:
    """Excel's « Texte Unicode » is UTF-16, with a byte-order mark or without."""
    header = "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"
    row = 'Ana,Moi,"1/29/26, 2:37 PM",Bonjour,INCOMING,https://www.linkedin.com/in/ana,\n'
    path = tmp_path / "Invitations.csv"
    path.write_bytes((header + row).encode(encoding))
    records = list(read_invitations(path, name="Invitations.csv"))
    assert [r.errors for r in records] == [
        (
            "format non reconnu : ni JSON, ni JSON Lines, ni Invitations.csv de LinkedIn ; le "
            "fichier semble en UTF-16 (« Texte Unicode » d'Excel) : réenregistrez-le en UTF-8",
        )
    ]


def test_seen_ids_report_where_each_was_first_met_and_stay_compact() -> None:
    seen = SeenIds()
    assert all(seen.first(f"id-{n}", n + 1) is None for n in range(200_000))
    assert len(seen) == 200_000
    assert seen.first("id-0", 7) == 1 and seen.first("id-199999", 9) == 200_000
    assert seen.first("nouveau", 5) is None
    assert seen.size() / len(seen) <= 10  # bytes a distinct id, reserve included


def test_looking_an_id_up_keeps_nothing() -> None:
    seen = SeenIds()
    assert seen.place("a") is None and seen.marked("a") == 0 and len(seen) == 0
    assert seen.first("a", 3) is None
    assert seen.place("a") == 3 and seen.place("b") is None and len(seen) == 1


def test_a_mark_joins_the_place_and_the_first_mark_stands() -> None:
    seen = SeenIds()
    assert seen.first("a", 12) is None
    assert seen.mark("a", 2) == 2 and seen.mark("a", 5) == 2
    assert seen.marked("a") == 2 and seen.first("a", 40) == 12 and len(seen) == 1
    assert seen.mark("jamais-lu", 6) == 6 and seen.place("jamais-lu") == 0
    with pytest.raises(ValueError):
        seen.mark("a", 7)  # 7 marks a record that only carries a long gap


def test_an_id_kept_with_its_mark_at_once_is_as_if_marked_after() -> None:
    """``first(…, mark)`` (the parallel run's one look-up per decided id) keeps the place
    and the mark that ``first`` then ``mark`` would; an id met before keeps its own."""
    seen, after = SeenIds(), SeenIds()
    for n in range(1, 3 * _SETTLE, 7):
        assert seen.first(f"id-{n}", n, n % 6 + 1) is None
        assert after.first(f"id-{n}", n) is None and after.mark(f"id-{n}", n % 6 + 1)
    assert seen._starts == after._starts and seen._settled[:] == after._settled[:]
    assert seen._recent == after._recent and len(seen) == len(after)
    assert seen.first("id-8", 99, 5) == 8 and seen.marked("id-8") == 8 % 6 + 1
    assert seen.first("sans", 3 * _SETTLE) is None and seen.marked("sans") == 0
    with pytest.raises(ValueError):
        seen.first("neuf", 3 * _SETTLE + 1, 7)


def test_a_place_too_far_to_keep_is_worded_without_it() -> None:
    seen = SeenIds()
    assert seen.first("loin", MAX_PLACE + 1) is None
    assert seen.first("loin", MAX_PLACE + 2) == 0
    assert seen.first("pres", MAX_PLACE) is None and seen.place("pres") == MAX_PLACE


def test_a_fingerprint_found_across_two_records_is_not_taken_for_an_id() -> None:
    """A bucket is searched as bytes: the bytes of an id's fingerprint may appear astride
    two records of its bucket, and only a match at a record's start counts."""
    seen = SeenIds()
    _, bucket, key, at = seen._find("a")
    assert at == -1
    bucket += b"\x01" * 2 + key  # a record holding "a"'s fingerprint at offset 2
    assert seen.place("a") is None and seen.marked("a") == 0
    assert seen.first("a", 3) is None and seen.place("a") is not None


def test_many_ids_keep_each_its_own_mark() -> None:
    seen = SeenIds()
    ids = [f"x{n}" for n in range(30_000)]
    for n, ident in enumerate(ids, start=1):
        seen.mark(ident, n % 6 + 1)
    assert [seen.marked(i) for i in ids] == [n % 6 + 1 for n in range(1, 30_001)]
    assert all(seen.marked(f"y{n}") == 0 for n in range(30_000))


def test_ids_moved_into_the_large_buffer_keep_their_places_and_marks() -> None:
    """Every ``_SETTLE`` new ids, the small buckets are moved into the large buffer: what
    was kept before, between and after those moves is found with its place and mark."""
    seen = SeenIds()
    count = 3 * _SETTLE + 123
    for n in range(count):
        assert seen.first(f"id-{n}", n + 1) is None
        if n % 3 == 0:
            assert seen.mark(f"id-{n // 2}", n % 6 + 1) in range(1, 7)
    marks = {n: seen.marked(f"id-{n}") for n in range(count)}
    assert all(seen.place(f"id-{n}") == n + 1 for n in range(count))
    assert all(seen.mark(f"id-{n}", 1) == (marks[n] or 1) for n in range(count))
    assert seen.first("id-0", 5) == 1 and seen.first(f"id-{count - 1}", 5) == count
    assert len(seen) == count and seen.place("absent") is None


def test_a_fingerprint_found_astride_in_the_large_buffer_is_not_taken_for_an_id() -> None:
    seen = SeenIds()
    for n in range(_SETTLE):  # moved into the large buffer
        seen.first(f"id-{n}", n + 1)

    def room(ident: str) -> int:  # bytes of the large buffer's bucket ``ident`` falls in
        number = seen._find(ident)[0]
        return seen._starts[number + 1] - seen._starts[number]

    # an id whose bucket holds at least 3 records, whatever the hash seed (about 1 bucket
    # in 70 holds fewer, and "a"'s was one of them under PYTHONHASHSEED=18)
    probe = next(f"a{n}" for n in itertools.count() if room(f"a{n}") >= 3 * _WIDTH)
    number, _, key, _ = seen._find(probe)
    start, end = seen._starts[number], seen._starts[number + 1]
    assert end - start >= 20
    seen._settled[start + 4 : start + 10] = key  # the probe's bytes, off a record's start
    assert seen.place(probe) is None and seen.first(probe, _SETTLE + 3) is None
    assert seen.place(probe) is not None and len(seen) == _SETTLE + 1


def same_bucket(seen: SeenIds, count: int) -> list[str]:
    """``count`` ids whose fingerprints fall in one bucket (places there are kept as gaps)."""
    number = seen._find("x")[0]
    found = (f"x{n}" for n in range(1_000_000) if seen._find(f"x{n}")[0] == number)
    return ["x", *itertools.islice(found, count - 1)]


def test_places_far_apart_in_one_bucket_are_kept_exactly() -> None:
    """A place is kept as its distance from the last one kept in its bucket (16 bits); a
    longer way is carried whole by a record of its own, which is never taken for an id."""
    seen = SeenIds()
    near, far, farther, after = same_bucket(seen, 4)
    places = {near: 7, far: 7 + 3 * _MAX_GAP + 11, farther: MAX_PLACE - 2, after: MAX_PLACE}
    for ident, where in places.items():
        assert seen.first(ident, where) is None
    assert {ident: seen.place(ident) for ident in places} == places
    assert seen.first(far, 1) == places[far] and len(seen) == 4
    records = len(seen._recent[seen._find(near)[0]]) // _WIDTH
    assert records == len(places) + 2  # a filler before far and one before farther


def test_a_place_before_the_last_kept_in_its_bucket_is_not_kept() -> None:
    """Places come in the reader's order; one that goes back is kept as « plus haut »."""
    seen = SeenIds()
    first, second, third = same_bucket(seen, 3)
    assert seen.first(first, 50) is None and seen.first(second, 40) is None
    assert seen.first(second, 60) == 0 and seen.place(first) == 50
    assert seen.mark(third, 3) == 3 and seen.first(third, 70) == 0  # marked before it was met


def test_places_are_summed_across_settled_and_recent_records() -> None:
    seen = SeenIds()
    ids = same_bucket(seen, 12)
    for n, ident in enumerate(ids[:6]):
        seen.first(ident, 10 * n + 1)
    for n in range(_SETTLE):  # every bucket's records moved into the large buffer
        seen.first(f"other-{n}", 100 + n)
    for n, ident in enumerate(ids[6:], start=6):
        seen.first(ident, 100 + _SETTLE + 10 * n)
    expected = [10 * n + 1 for n in range(6)] + [100 + _SETTLE + 10 * n for n in range(6, 12)]
    assert [seen.place(ident) for ident in ids] == expected


def test_duplicates_are_reported_with_their_first_place() -> None:
    records = list(
        read_invitations(io.StringIO('[{"id": "a"}, {"id": "b"}, {"id": "a"}]'), name="t.json")
    )
    assert records[2].warnings == ("invitation « a » : id déjà utilisé (élément 1)",)
    lines = '{"id": "a"}\n\n{"id": "a"}\n'
    records = list(read_invitations(io.StringIO(lines), name="t.jsonl"))
    assert records[1].warnings == ("invitation « a » : id déjà utilisé (t.jsonl:1)",)
