"""read_invitations: format detection, JSON Lines and JSON errors, LinkedIn's Invitations.csv
with its quirks — and never an exception for bad input."""

# ruff: noqa: E501 - expected French messages and sample texts stay on one line, as users see them

from __future__ import annotations

import io

import pytest
from invitation_helpers import EXAMPLES

from tamis.invitations.linkedin import SENT_AT_FORMS, parse_sent_at, stable_id
from tamis.invitations.reader import read_invitations, unreadable

NEW_HEADER = "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"
OLD_HEADER = "From,To,Sent At,Message,Direction\n"


def read(text, name="entree", **kw):
    return list(read_invitations(io.StringIO(text), name=name, **kw))


def test_json_lines_with_a_syntax_error_costs_only_its_line():
    text = '{"id": "a"}\n\n{"id": "b",, }\n{"id": "c", "expediteur": {"connexions": -3}}\n{"id": "d"}\n'
    records = read(text, name="lot.jsonl")
    assert [r.location for r in records] == [
        "lot.jsonl:1",
        "lot.jsonl:3",
        "lot.jsonl:4",
        "lot.jsonl:5",
    ]
    assert records[1].errors == ("JSON invalide, colonne 12 (caractère inattendu)",)
    assert records[2].errors == (
        "invitation « c », champ « expediteur.connexions » : ne doit pas être négatif (reçu : -3)",
    )
    assert [r.invitation.id for r in records if r.invitation] == ["a", "d"]


def test_single_document_syntax_error_reports_line_and_column():
    (record,) = read(
        '{\n  "id": "a",\n  "message": "x"\n  "sens": "entrante"\n}\n', name="une.json"
    )
    assert record.errors == ("JSON invalide, colonne 3 (caractère inattendu)",)
    assert record.location == "une.json:4"


def test_single_object_and_array_with_element_lines():
    (one,) = read('{\n "id": "seul"\n}')
    assert one.invitation.id == "seul" and one.location == "entree:1"
    records = read('[\n  {"id": "a"},\n  {"id": 3},\n\n  {"id": "c"}\n]', name="lot.json")
    assert [r.location for r in records] == [
        "lot.json:2 (élément 1)",
        "lot.json:3 (élément 2)",
        "lot.json:5 (élément 3)",
    ]
    assert records[1].errors == (
        "invitation sans id, champ « id » : doit être un texte (reçu : 3)",
    )


def test_array_syntax_error_keeps_the_records_before_it():
    records = read('[{"id": "a"},\n {"id": "b"} {"id": "c"}]')
    assert records[0].invitation.id == "a" and records[1].invitation.id == "b"
    assert records[2].errors == ("JSON invalide, colonne 14 (virgule attendue)",)
    assert records[2].location == "entree:2"


def test_non_object_lines_and_duplicate_ids():
    records = read('{"id": "a"}\n[1, 2]\n{"id": "a"}\n')
    assert records[1].errors == ("un objet JSON était attendu, reçu une liste",)
    assert records[2].warnings == ("invitation « a » : id déjà utilisé (entree:1)",)


def test_unknown_format_unreadable_and_empty_inputs(tmp_path):
    assert read("bonjour\n")[0].errors == (
        "format non reconnu : ni JSON, ni JSON Lines, ni Invitations.csv de LinkedIn",
    )
    assert read("") == [] and read("  \n") == []
    missing = list(read_invitations(tmp_path / "absent.jsonl", name="absent.jsonl"))
    assert missing[0].errors == ("fichier introuvable ; vérifiez le chemin et le nom du fichier",)
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"id": "\xe9"}\n')
    (latin_record,) = read_invitations(latin, name="latin.jsonl")
    assert latin_record.errors == (
        "le fichier n'est pas en UTF-8 (octet 0xe9 à la ligne 1, colonne 9) ; réenregistrez-le en UTF-8",
    )


def test_csv_new_generation_with_bom_quoted_newlines_and_unknown_column():
    text = (
        "\ufeffFrom,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl,Extra\n"
        'Ana Lima,Moi,"1/29/26, 2:37 PM","Bonjour,\nligne deux",INCOMING,https://www.linkedin.com/in/ana,https://www.linkedin.com/in/moi,z\n'
        'Bo Chen,Moi,"1/28/26, 9:05 AM",,INCOMING,,,\n'
    )
    records = read(text, name="Invitations.csv")
    assert [r.location for r in records] == ["Invitations.csv:2", "Invitations.csv:4"]
    assert records[0].warnings == ("colonne « Extra » inconnue : ignorée",)
    first = records[0].invitation
    assert first.message == "Bonjour,\nligne deux"
    assert first.recue_le_iso() == "2026-01-29T14:37:00"
    assert (
        first.sens == "entrante"
        and first.expediteur.profil_url == "https://www.linkedin.com/in/ana"
    )
    assert first.expediteur.photo is None and first.expediteur.connexions is None
    second = records[1].invitation
    assert second.message == "" and second.expediteur.profil_url is None


def test_csv_old_generation_and_direction_filter():
    text = (
        OLD_HEADER
        + 'Ana,Moi,"11/14/22, 10:03 AM",Salut,INCOMING\nMoi,Bo,"9/21/22, 1:30 PM",,OUTGOING\n'
    )
    assert [r.invitation.sens for r in read(text)] == ["entrante"]
    assert [r.invitation.sens for r in read(text, sens="sortante")] == ["sortante"]
    assert len(read(text, sens="toutes")) == 2
    outgoing = read(text, sens="sortante")[0].invitation
    assert outgoing.expediteur.nom == "Moi" and outgoing.destinataire.nom == "Bo"


def test_csv_unreadable_rows_are_reported_with_their_line():
    text = NEW_HEADER + (
        'Ana,Moi,"hier",x,INCOMING,,\n'
        'Bo,Moi,"1/2/26, 1:00 PM",x,SIDEWAYS,,\n'
        ',Moi,"1/2/26, 1:00 PM",x,INCOMING,,\n'
        'Cy,Moi,"1/2/26, 1:00 PM",x,INCOMING\n'
        'Di,Moi,"1/2/26, 1:00 PM",x,INCOMING,,\n'
    )
    records = read(text, name="Invitations.csv", sens="toutes")
    assert [(r.location, r.errors) for r in records[:4]] == [
        ("Invitations.csv:2", (f"date « Sent At » illisible : « hier ». {SENT_AT_FORMS}",)),
        (
            "Invitations.csv:3",
            ("« Direction » vaut « SIDEWAYS », attendu INCOMING ou OUTGOING",),
        ),
        ("Invitations.csv:4", ("ni nom (« From ») ni adresse de profil pour l'expéditeur",)),
        ("Invitations.csv:5", ("5 colonnes au lieu de 7 (guillemets mal fermés ?)",)),
    ]
    assert records[4].invitation.expediteur.nom == "Di"


def test_csv_without_required_columns():
    (record,) = read("From,To,Message\nA,B,C\n", name="x.csv")
    assert record.errors == (
        "format non reconnu : ni JSON, ni JSON Lines, ni Invitations.csv de LinkedIn",
    )


def test_stable_ids_from_url_or_name_and_time():
    text = NEW_HEADER + 'Ana,Moi,"1/29/26, 2:37 PM",,INCOMING,https://www.linkedin.com/in/ana,\n'
    first = read(text)[0].invitation.id
    assert first == read(text)[0].invitation.id
    sent = parse_sent_at("1/29/26, 2:37 PM")
    assert first == stable_id({"profil_url": "https://www.linkedin.com/in/ana"}, sent)
    assert first != stable_id({"nom": "Ana"}, sent)
    assert first.startswith("li-") and len(first) == 19


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("1/29/26, 2:37 PM", "2026-01-29T14:37:00"),
        ("12/1/25, 12:05 AM", "2025-12-01T00:05:00"),
        ("1/29/26,\u202f2:37\u202fPM", "2026-01-29T14:37:00"),
        ("2022-03-01 14:05:00 UTC", "2022-03-01T14:05:00"),
    ],
)
def test_sent_at_formats(text, iso):
    assert parse_sent_at(text).isoformat() == iso


def test_shipped_csv_examples_read_cleanly():
    for name in ("Invitations.csv", "Invitations-2022.csv", "invitations.jsonl"):
        records = list(read_invitations(EXAMPLES / name, name=name, sens="toutes"))
        assert records and all(r.invitation and not r.errors and not r.warnings for r in records)


def test_elements_of_a_one_line_array_are_told_apart_without_repeating_the_line():
    records = read('[{"id":"a"}, 3, {"x":1}]', name="in.json")
    assert [r.location for r in records] == [
        "in.json:1 (élément 1)",
        "in.json:1 (élément 2)",
        "in.json:1 (élément 3)",
    ]
    assert records[1].errors == ("un objet JSON était attendu, reçu un nombre",)
    assert records[2].errors == ("invitation sans id, champ « id » : champ obligatoire manquant",)


def test_syntax_error_location_holds_the_line_and_the_message_only_the_column():
    (record,) = read('{"id": "a",, }', name="in.json")
    assert record.location == "in.json:1"
    assert record.errors == ("JSON invalide, colonne 12 (caractère inattendu)",)


def test_unreadable_says_why_a_path_cannot_be_read(tmp_path):
    assert unreadable(tmp_path) == "c'est un dossier ; donnez le chemin d'un fichier"
    assert unreadable(tmp_path / "absent.json") == (
        "fichier introuvable ; vérifiez le chemin et le nom du fichier"
    )
    present = tmp_path / "ok.json"
    present.write_text("{}", encoding="utf-8")
    assert unreadable(present) is None


class Trickle(io.TextIOBase):
    """A stream that hands out its lines one at a time and fails when asked for more than
    ``allowed`` of them: reading stdin must not run ahead of the invitations it decides."""

    def __init__(self, lines: list[str], allowed: int) -> None:
        self.lines, self.allowed, self.given = lines, allowed, 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.given >= min(len(self.lines), self.allowed):
            if self.given < len(self.lines):
                raise AssertionError("the reader read ahead of what it yielded")
            raise StopIteration
        self.given += 1
        return self.lines[self.given - 1]


def test_json_lines_from_a_stream_are_yielded_as_they_arrive():
    lines = ['\ufeff{"id": "a"}\n', "\n", '{"id": "b"}\n', '{"id": "c"}\n']
    stream = Trickle(lines, allowed=1)
    records = read_invitations(stream, name="<entrée standard>")
    assert next(records).location == "<entrée standard>:1"
    stream.allowed = 3
    assert next(records).location == "<entrée standard>:3"
    stream.allowed = 4
    assert [r.invitation.id for r in records] == ["c"]


def test_a_stream_that_is_not_json_lines_is_read_whole():
    array = '[\n  {"id": "a"},\n  {"id": "b"}\n]\n'
    records = list(read_invitations(io.StringIO(array), name="-"))
    assert [r.invitation.id for r in records] == ["a", "b"]
    pretty = '{\n  "id": "seul"\n}\n'
    assert [r.invitation.id for r in read_invitations(io.StringIO(pretty), name="-")] == ["seul"]


def test_a_line_separator_inside_a_json_string_does_not_cut_the_line():
    text = '{"id": "a", "message": "un\u2028deux"}\n{"id": "b"}\n'
    for source in (io.StringIO(text), text):
        records = list(
            read(source) if isinstance(source, str) else read_invitations(source, name="entree")
        )
        assert [r.invitation.message for r in records] == ["un\u2028deux", None]


def test_a_stream_that_stops_being_utf8_names_the_line():
    good = b"".join(b'{"id": "a%d"}\n' % n for n in range(2000))  # several read chunks
    raw = io.BytesIO(good + b'{"id": "\xe9"}\n')
    records = list(read_invitations(io.TextIOWrapper(raw, encoding="utf-8"), name="-"))
    assert records[0].invitation.id == "a0" and len(records) > 100
    assert records[-1].invitation is None and records[-1].location.startswith("-:")
    assert records[-1].errors == ("l'entrée n'est pas en UTF-8 ; réenregistrez-la en UTF-8",)
