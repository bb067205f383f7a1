"""Opening a journal to append checks that ``verifier`` would still accept it: the whole
journal the first time, then only what was appended since the checkpoint."""

from __future__ import annotations

import stat
from unittest import mock

import orjson
import pytest
from conftest import checked, fill

from tamis.audit import integrity, verify
from tamis.audit.journal import open_journal


def lines_of(path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def damaged(path, line: int, why: str) -> str:
    return (
        f"{path}:ligne {line} : {why} Ce journal ne passe plus la vérification ; les "
        "nouvelles décisions y sont tout de même ajoutées, à la suite."
    )


def test_an_intact_journal_says_nothing_and_keeps_a_private_checkpoint(journal_path):
    policy, told = checked(), []
    fill(journal_path, policy, 4, warn=told.append)
    fill(journal_path, policy, 2, warn=told.append)
    assert told == []
    where = integrity.checkpoint_path(journal_path)
    assert stat.S_IMODE(where.stat().st_mode) == 0o600
    saved = orjson.loads(where.read_bytes())
    # where the second opening found it: ouverture, politique and four decisions
    assert saved["position"] == len(b"".join(lines_of(journal_path)[:6])) and saved["seq"] == 6


def test_a_blank_line_inserted_by_hand_is_reported_before_appending(journal_path):
    policy = checked()
    fill(journal_path, policy, 4)
    lines = lines_of(journal_path)
    journal_path.write_bytes(b"".join([*lines[:3], b"\n", *lines[3:]]))
    told: list[str] = []
    fill(journal_path, policy, 1, warn=told.append)
    assert told == [damaged(journal_path, 4, "ligne illisible (pas un enregistrement de journal).")]
    assert len(lines_of(journal_path)) == len(lines) + 2  # still appended, after the damage
    fill(journal_path, policy, 1, warn=told.append)
    assert len(told) == 2  # said again at every opening until the journal is repaired


def test_only_what_follows_the_checkpoint_is_checked_and_an_edit_there_is_seen(journal_path):
    policy = checked()
    fill(journal_path, policy, 3)  # the checkpoint: this journal's end at its opening
    with open_journal(journal_path) as journal:  # moves the checkpoint to the end
        pass
    fill(journal_path, policy, 3)
    lines = lines_of(journal_path)
    lines[-2] = lines[-2].replace(b"Bonjour", b"Bonjouz")
    journal_path.write_bytes(b"".join(lines))
    told: list[str] = []
    whole = mock.patch.object(verify, "verify_journal", side_effect=AssertionError("whole"))
    with whole, open_journal(journal_path, warn=told.append) as journal:
        assert journal is not None
    seq = orjson.loads(lines[-2])["seq"]
    why = (
        f"l'enregistrement n° {seq} a été modifié — son empreinte ne correspond plus à son contenu."
    )
    assert told == [damaged(journal_path, len(lines) - 1, why)]


def test_a_journal_rewritten_before_the_checkpoint_is_checked_whole(journal_path):
    policy = checked()
    fill(journal_path, policy, 4)
    with open_journal(journal_path):
        pass
    lines = lines_of(journal_path)
    del lines[3]
    journal_path.write_bytes(b"".join(lines))
    told: list[str] = []
    with open_journal(journal_path, warn=told.append):
        pass
    why = "enregistrement(s) supprimé(s) avant cette ligne (n° 4 manquant)."
    assert told == [damaged(journal_path, 4, why)]


@pytest.mark.parametrize("content", [b"", b"pas du json", b'{"position": "x"}'])
def test_a_checkpoint_that_cannot_be_read_means_a_whole_check(journal_path, content):
    policy = checked()
    fill(journal_path, policy, 2)
    integrity.checkpoint_path(journal_path).write_bytes(content)
    told: list[str] = []
    fill(journal_path, policy, 1, warn=told.append)
    assert told == [] and integrity.load(journal_path).seq == 4


def test_decider_says_so_on_stderr_and_still_decides(tmp_path):
    from click.testing import CliRunner

    from tamis.cli.main import cli

    policy, invitations, path = (tmp_path / n for n in ("p.tamis", "i.jsonl", "j.jsonl"))
    policy.write_text('politique "P"\nrefuser si sans_photo\nsinon examiner\n', encoding="utf-8")
    invitations.write_text('{"id": "a"}\n', encoding="utf-8")
    args = ["decider", "-p", str(policy), str(invitations), "--journal", str(path)]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0 and "avertissement" not in first.stderr
    lines = lines_of(path)
    path.write_bytes(b"".join([lines[0], b"\n", *lines[1:]]))
    result = CliRunner().invoke(cli, [*args, "--redecider"])
    assert result.exit_code == 0 and len(lines_of(path)) == len(lines) + 2
    why = "ligne illisible (pas un enregistrement de journal)."
    assert result.stderr.startswith(f"avertissement : {damaged(path, 2, why)}\n")
    assert result.stderr.count("avertissement") == 1
