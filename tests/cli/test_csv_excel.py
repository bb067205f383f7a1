"""``--excel``: the CSV that Excel set to French (Québec, France) opens by a double click.
Without it, Excel read tamis's UTF-8 CSV as Windows-1252 (« dÃ©cision », « ChloÃ© ») and put
each whole line in column A (it splits at « ; », « , » being its decimal separator); nothing
in tamis wrote anything else. Now ``journal chercher``, ``exporter`` and ``conseils`` take
``--excel`` with ``--format csv``: a UTF-8 byte-order mark, « ; » between cells, CRLF, decimal
commas. Without it the CSV is as before (RFC 4180, no BOM), which scripts read."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from tamis.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
BLOGUE = str(ROOT / "policies" / "blogue.tamis")
INVITATIONS = str(ROOT / "policies" / "exemples" / "invitations.jsonl")
CONTEXT = str(ROOT / "policies" / "exemples" / "tamis.toml")


@pytest.fixture(scope="module")
def journal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("excel") / "journal.jsonl"
    runner = CliRunner()
    done = runner.invoke(cli, ["decider", "-p", BLOGUE, "--journal", str(path), INVITATIONS])
    assert done.exit_code == 0, done.output
    advice = ["conseiller", "--a", "Chloé Côté", "--message", "Bonjour; à+", "--contexte", CONTEXT]
    assert runner.invoke(cli, [*advice, "--journal", str(path)]).exit_code in (0, 1)
    return path


def _output(args: list[str], tmp_path: Path) -> bytes:
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 0, done.output
    if "-o" in args:
        return Path(args[args.index("-o") + 1]).read_bytes()
    return done.stdout_bytes


@pytest.mark.parametrize(
    "command",
    [
        ["journal", "chercher"],
        ["journal", "exporter"],
        ["journal", "exporter", "-o", "{dossier}/export.csv"],
        ["journal", "conseils"],
    ],
    ids=["chercher", "exporter", "exporter -o", "conseils"],
)
def test_excel_reads_the_same_cells_in_french(journal: Path, tmp_path: Path, command) -> None:
    args = [a.replace("{dossier}", str(tmp_path)) for a in command]
    args += ["--journal", str(journal), "--format", "csv"]
    plain = _output(args, tmp_path)
    excel = _output([*args, "--excel"], tmp_path)
    assert not plain.startswith(b"\xef\xbb\xbf")  # unchanged: what scripts read
    assert excel.startswith("\ufeff".encode())
    assert b"\r\n" in excel and excel.count(b"\r\n") == excel.count(b"\n")
    expected = list(csv.reader(io.StringIO(plain.decode("utf-8"), newline="")))
    got = list(csv.reader(io.StringIO(excel.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert len(got) == len(expected) > 1
    assert got[0] == expected[0]  # each column its own: the header splits at « ; »
    assert got == [[_decimal_comma(cell) for cell in row] for row in expected]
    if "exporter" in command:  # a float, with Excel's decimal comma
        duration = got[1][got[0].index("duree_ms")]
        assert "," in duration and float(duration.replace(",", ".")) >= 0


def _decimal_comma(cell: str) -> str:
    try:
        float(cell)
    except ValueError:
        return cell
    return cell.replace(".", ",")


@pytest.mark.parametrize(
    "command", [["journal", "chercher"], ["journal", "exporter"], ["journal", "conseils"]]
)
def test_excel_without_csv_is_a_usage_error(journal: Path, command) -> None:
    done = CliRunner().invoke(cli, [*command, "--journal", str(journal), "--excel"])
    assert done.exit_code == 2
    assert done.stderr.endswith(": ajoutez --format csv.\n")
    assert "--excel s'applique au CSV, pas au format " in done.stderr
