"""``tamis reseau bilan`` and its reader: figures on generated exports with known answers."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from tamis.cli.main import cli
from tamis.invitations.linkedin import CONNECTED_ON_FORMS, SENT_AT_FORMS
from tamis.outreach.bilan import BilanError, read_bilan

TODAY = date(2026, 3, 2)  # a Monday
NOTES = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses '
    'are missing, because of this setting, in your privacy settings."\n\n'
)


def write_export(folder: Path, sent: list[tuple], connections: list[tuple]) -> Path:
    """Invitations.csv (current generation, with URLs) and Connections.csv with its notes."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["From", "To", "Sent At", "Message", "Direction", "inviterProfileUrl",
                     "inviteeProfileUrl"])  # fmt: skip
    for name, url, when, direction in sent:
        stamp = f"{when.month}/{when.day}/{when:%y}, {when:%I:%M %p}".replace(" 0", " ")
        note = "Bonjour, au plaisir, à bientôt"  # quoted commas
        writer.writerow(["Jade Bérubé Morin", name, stamp, note, direction,
                         "https://www.linkedin.com/in/jade", url])  # fmt: skip
    (folder / "Invitations.csv").write_text("\ufeff" + out.getvalue(), encoding="utf-8")
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["First Name", "Last Name", "URL", "Email Address", "Company", "Position",
                     "Connected On"])  # fmt: skip
    for first, last, url, on in connections:
        writer.writerow([first, last, url, "", "Ludis Media, inc.", "Rédactrice", on])
    (folder / "Connections.csv").write_text(NOTES + out.getvalue(), encoding="utf-8")
    return folder


def generated(folder: Path, weeks: int = 6, per_week: int = 10, accepted_every: int = 5):
    """``per_week`` requests a week for ``weeks`` weeks before TODAY; one in
    ``accepted_every`` accepted (URL match), plus incoming rows that must not count."""
    sent, connections = [], []
    start = datetime(2026, 3, 2, 9, 30) - timedelta(weeks=weeks)
    for w in range(weeks):
        for i in range(per_week):
            when = start + timedelta(weeks=w, hours=i)
            url = f"https://www.linkedin.com/in/p-{w}-{i}"
            sent.append((f"Personne {w}-{i}", url, when, "OUTGOING"))
            if i % accepted_every == 0:
                connections.append(
                    ("Personne", f"{w}-{i}", url + "/", f"{when + timedelta(days=2):%d %b %Y}")
                )
        sent.append((f"Entrant {w}", f"https://www.linkedin.com/in/in-{w}", start, "INCOMING"))
    return write_export(folder, sent, connections)


def test_known_figures(tmp_path):
    result = read_bilan(generated(tmp_path), TODAY)
    assert len(result.requests) == 60 and result.accepted == 12 and result.pending == 48
    assert [w.start for w in result.weeks] == [
        date(2026, 1, 19) + timedelta(weeks=k) for k in range(6)
    ]
    assert {(w.sent, w.accepted) for w in result.weeks} == {(10, 2)}
    assert result.problems == ()
    # 20 % accepted (< 30 %) and 80 % pending (≥ 50 %) over the last 90 days
    assert len(result.warnings) == 2
    assert result.warnings[0].startswith("Seulement 20\u00a0% de vos 60 demandes des 90 derniers")
    assert result.warnings[1].startswith("80\u00a0% de vos demandes des 90 derniers jours")
    # pending for more than 21 days: the first three weeks' 8 pending each, oldest first
    assert len(result.to_withdraw) == 24
    assert result.to_withdraw[0].name == "Personne 0-1"
    assert result.to_withdraw[0].url == "https://www.linkedin.com/in/p-0-1"


def test_a_good_pattern_gets_no_warning(tmp_path):
    result = read_bilan(generated(tmp_path, accepted_every=1), TODAY)
    assert result.accepted == 60 and result.warnings == () and result.to_withdraw == ()


def test_too_few_requests_to_judge(tmp_path):
    result = read_bilan(generated(tmp_path, weeks=1, per_week=19, accepted_every=100), TODAY)
    assert result.accepted == 1 and result.warnings == ()


def test_pending_requests_too_recent_to_withdraw_promise_no_list(tmp_path):
    """The warning said « retirez les plus anciennes (liste ci-dessous) » when no request was
    21 days old: no list followed."""
    result = read_bilan(generated(tmp_path, weeks=1, per_week=30, accepted_every=100), TODAY)
    assert result.to_withdraw == ()
    assert result.warnings[1] == (
        "97\u00a0% de vos demandes des 90 derniers jours sont encore en attente : retirez"
        " celles qui seront encore sans réponse après 21 jours."
    )


def test_a_week_over_linkedins_limit(tmp_path):
    result = read_bilan(generated(tmp_path, weeks=1, per_week=101, accepted_every=1), TODAY)
    assert result.warnings == (
        "Semaine du 2026-02-23 : 101 demandes envoyées, plus que la limite d'environ 100 par"
        " semaine dont parle LinkedIn.",
    )


def test_old_export_without_urls_matches_by_name(tmp_path):
    (tmp_path / "Invitations.csv").write_text(
        "From,To,Sent At,Message,Direction\n"
        'Jade Bérubé Morin,Patrick O\'Neil,"9/21/22, 1:30 PM",,OUTGOING\n'
        'Jade Bérubé Morin,Zoé Côté,"9/22/22, 13:30",,OUTGOING\n',
        encoding="utf-8",
    )
    (tmp_path / "Connections.csv").write_text(
        NOTES + "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "ZOÉ,cote,,,,,23 Sep 2022\n",
        encoding="utf-8",
    )
    result = read_bilan(tmp_path, TODAY)
    assert [(r.name, r.accepted, r.accepted_on) for r in result.requests] == [
        ("Patrick O'Neil", False, None),
        ("Zoé Côté", True, date(2022, 9, 23)),
    ]


def test_unreadable_rows_are_reported_with_file_and_line(tmp_path):
    (tmp_path / "Invitations.csv").write_text(
        "From,To,Sent At,Message,Direction\n"
        'Jade,Paul Roy,"hier",,OUTGOING\n'
        'Jade,Ana Roy,"9/22/22, 13:30",,OUTGOING,extra\n'
        'Jade,Léa Roy,"9/22/22, 13:30",,OUTGOING\n',
        encoding="utf-8",
    )
    (tmp_path / "Connections.csv").write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n", encoding="utf-8"
    )
    result = read_bilan(tmp_path, TODAY)
    assert [r.name for r in result.requests] == ["Léa Roy"]
    assert result.problems == (
        f"Invitations.csv:2 : date « Sent At » illisible : « hier ». {SENT_AT_FORMS} (ligne"
        " ignorée)",
        "Invitations.csv:3 : 6 colonnes au lieu de 5 (guillemets mal fermés ?) (ligne ignorée)",
    )


def test_connected_on_dates_resaved_by_a_spreadsheet_are_read_or_reported(tmp_path):
    """« Connected On » as Excel in French re-saves it: read as « Sent At » is; a date it
    cannot read is said at its line, the connection still counted. Each was silently
    unknown (and « 05/03/2024 » taken for the 3rd of May)."""
    days = ["13/03/2024", "2024-03-05", "5 mars 2024", "5 janv. 2024", "05 Mar 2024", "",
            "05/03/2024", "hier"]  # fmt: skip
    sent = [(f"P {i}", f"https://www.linkedin.com/in/p{i}", datetime(2024, 1, 2, 9), "OUTGOING")
            for i in range(len(days))]  # fmt: skip
    connections = [("P", f"{i}", f"https://www.linkedin.com/in/p{i}", on)
                   for i, on in enumerate(days)]  # fmt: skip
    result = read_bilan(write_export(tmp_path, sent, connections), TODAY)
    assert [r.accepted_on and r.accepted_on.isoformat() for r in result.requests] == [
        "2024-03-13", "2024-03-05", "2024-03-05", "2024-01-05", "2024-03-05", None, None, None
    ]  # fmt: skip
    assert result.accepted == len(days)
    kept = "(connexion comptée, sans sa date)"
    assert result.problems == (
        "Connections.csv:11 : date ambiguë dans la colonne « Connected On » : « 05/03/2024 »,"
        f" le 5 mars ou le 3 mai ? {CONNECTED_ON_FORMS} {kept}",
        f"Connections.csv:12 : date « Connected On » illisible : « hier ». {CONNECTED_ON_FORMS}"
        f" {kept}",
    )
    shown = CliRunner().invoke(cli, ["reseau", "bilan", "--export", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    assert f"avertissement : {result.problems[0]}\n" in shown.stderr


def test_missing_file_is_a_french_error(tmp_path):
    with pytest.raises(BilanError, match=r"Invitations\.csv : fichier introuvable"):
        read_bilan(tmp_path, TODAY)


def test_a_file_that_is_not_utf8_is_named_with_its_first_bad_byte(tmp_path):
    """It said « ce fichier n'est pas du texte UTF-8 », without where, unlike every other
    reader of tamis."""
    generated(tmp_path)
    latin = (tmp_path / "Connections.csv").read_text(encoding="utf-8").encode("latin-1")
    (tmp_path / "Connections.csv").write_bytes(latin)  # « Rédactrice », line 5
    with pytest.raises(BilanError) as raised:
        read_bilan(tmp_path, TODAY)
    assert str(raised.value) == (
        f"{tmp_path / 'Connections.csv'} : ce fichier n'est pas en UTF-8 (octet 0xe9 à la "
        "ligne 5, colonne 71) ; réenregistrez-le en UTF-8"
    )


def test_command_prints_chart_warnings_and_requests_to_withdraw(tmp_path):
    folder = generated(tmp_path)
    result = CliRunner().invoke(
        cli, ["reseau", "bilan", "--export", str(folder), "--aujourdhui", "2026-03-02"]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("60 demandes envoyées : 12 acceptées (20\u00a0%), 48 en attente.")
    assert "2026-01-19        10          2  ████░░░░░░░░░░░░░░░░ 20\u00a0%" in out
    assert "attention : Seulement 20\u00a0%" in out
    assert "Demandes en attente depuis plus de 21 jours, à retirer :" in out
    assert "  Personne 0-1 (https://www.linkedin.com/in/p-0-1) : envoyée il y a 42 jours" in out


def test_command_json(tmp_path):
    folder = generated(tmp_path)
    args = ["reseau", "bilan", "--export", str(folder), "--aujourdhui", "2026-03-02"]
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    data = json.loads(result.output)
    assert (data["envoyees"], data["acceptees"], data["en_attente"]) == (60, 12, 48)
    assert data["a_retirer"][0]["jours"] == 42 and data["a_retirer"][0]["ligne"] == 3


def test_command_errors(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(cli, ["reseau", "bilan", "--export", str(tmp_path)])
    assert missing.exit_code == 1
    assert "Invitations.csv : fichier introuvable dans l'export LinkedIn" in missing.output
    (tmp_path / "Invitations.csv").mkdir()  # said « illisible (Is a directory) », in English
    folder = runner.invoke(cli, ["reseau", "bilan", "--export", str(tmp_path)])
    assert folder.exit_code == 1
    assert folder.stderr == (
        f"Erreur : {tmp_path / 'Invitations.csv'} : illisible (c'est un dossier ; donnez le"
        " chemin d'un fichier)\n"
    )
    bad_day = runner.invoke(
        cli, ["reseau", "bilan", "--export", str(tmp_path), "--aujourdhui", "demain"]
    )
    assert bad_day.exit_code == 2 and (  # « --aujourdhui » was bare, unlike click's own options
        "Valeur invalide pour « --aujourdhui » : « demain » n'est pas une date AAAA-MM-JJ"
        in bad_day.output
    )
