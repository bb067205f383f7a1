"""``tamis formater``: rewrite in place, ``--verifier``, stdin, syntax errors, bad files."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from tamis.cli.main import cli

UNFORMATTED = "REFUSER SI sans_photo OU message_par_defaut   # l'exemple\nsinon   Accepter\n"
FORMATTED = "refuser si sans_photo ou message_par_defaut  # l'exemple\nsinon accepter\n"


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_rewrites_files_in_place(runner, tmp_path):
    policy = write(tmp_path / "p.tamis", UNFORMATTED)
    result = runner.invoke(cli, ["formater", str(policy)])
    assert result.exit_code == 0, result.output
    assert policy.read_text(encoding="utf-8") == FORMATTED
    assert f"{policy} : reformaté" in result.stderr
    assert "1 fichier(s) reformaté(s), 0 déjà au format canonique." in result.stderr
    assert list(tmp_path.iterdir()) == [policy]  # no temporary file left behind


def test_already_formatted_file_is_not_touched(runner, tmp_path):
    policy = write(tmp_path / "p.tamis", FORMATTED)
    os.utime(policy, (1_000_000, 1_000_000))
    result = runner.invoke(cli, ["formater", str(policy)])
    assert result.exit_code == 0
    assert policy.stat().st_mtime == 1_000_000
    assert "0 fichier(s) reformaté(s), 1 déjà au format canonique." in result.stderr


def test_file_mode_is_kept(runner, tmp_path):
    policy = write(tmp_path / "p.tamis", UNFORMATTED)
    policy.chmod(0o640)
    assert runner.invoke(cli, ["formater", str(policy)]).exit_code == 0
    assert policy.stat().st_mode & 0o777 == 0o640


def test_a_symbolic_link_stays_a_link_and_its_policy_is_formatted(runner, tmp_path):
    """The link was replaced by a formatted copy: the policy it pointed to (shared, or the
    one a service reads) stayed unformatted and the link was gone, without a word."""
    shared = tmp_path / "partage"
    shared.mkdir()
    policy = write(shared / "politique.tamis", UNFORMATTED)
    link = tmp_path / "lien.tamis"
    link.symlink_to(policy)
    result = runner.invoke(cli, ["formater", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == policy
    assert policy.read_text(encoding="utf-8") == FORMATTED
    assert f"{link} : reformaté" in result.stderr
    assert sorted(p.name for p in shared.iterdir()) == ["politique.tamis"]


@pytest.mark.skipif(os.geteuid() != 0, reason="gives the file to another user: needs root")
def test_the_owner_is_kept(runner, tmp_path):
    policy = write(tmp_path / "p.tamis", UNFORMATTED)
    os.chown(policy, 65534, 65534)
    assert runner.invoke(cli, ["formater", str(policy)]).exit_code == 0
    assert (policy.stat().st_uid, policy.stat().st_gid) == (65534, 65534)
    assert policy.read_text(encoding="utf-8") == FORMATTED


# Formats as a user the file's protection binds: root imports tamis first (the checkout may
# sit where only root reads), then becomes ``nobody``; any other user formats as itself. The
# file is one that user may not write, in a folder anybody may write.
_FORMAT_AS_NOBODY = """
import os, sys, tempfile
from tamis.cli.main import cli
command = cli.get_command(None, "formater")
with tempfile.TemporaryDirectory() as warm:  # every module formatting needs, imported as root
    with open(os.path.join(warm, "p.tamis"), "w", encoding="utf-8") as policy:
        policy.write("REFUSER SI sans_photo\\n")
    command.main([policy.name], prog_name="tamis formater", standalone_mode=False)
if os.geteuid() == 0:
    os.setgroups([]); os.setgid(65534); os.setuid(65534)
command.main(sys.argv[1:], prog_name="tamis formater")
"""


def test_a_read_only_file_is_not_replaced_behind_its_protection(tmp_path):
    """Renaming over a file needs only the folder's permission: a policy made read-only
    (chmod 444), in a folder its user may write, was rewritten anyway, and given to them."""
    import subprocess
    import sys
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="tamis-formater-"))
    try:
        folder.chmod(0o777)
        locked = write(folder / "verrouillee.tamis", UNFORMATTED)
        locked.chmod(0o444)
        free = write(folder / "libre.tamis", UNFORMATTED)
        free.chmod(0o666)
        done = subprocess.run(
            [sys.executable, "-c", _FORMAT_AS_NOBODY, str(locked), str(free)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 1, done.stderr
        assert locked.read_text(encoding="utf-8") == UNFORMATTED
        assert (locked.stat().st_uid, locked.stat().st_mode & 0o777) == (os.geteuid(), 0o444)
        assert f"erreur : {locked}: écriture impossible (permission refusée)" in done.stderr
        assert free.read_text(encoding="utf-8") == FORMATTED
        assert "1 fichier(s) reformaté(s), 0 déjà au format canonique, 1 en erreur." in (
            done.stderr
        )
        assert "Traceback" not in done.stderr
        assert sorted(p.name for p in folder.iterdir()) == ["libre.tamis", "verrouillee.tamis"]
    finally:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


def test_a_named_pipe_is_neither_read_nor_replaced(runner, tmp_path):
    """formater read a FIFO (once: what a writer sent), then renamed a plain file over it;
    now it says what to do and leaves the pipe. The one writer refuses it too (the web
    editor's save goes through it)."""
    import threading

    from tamis.grammar.save import write_policy

    pipe = tmp_path / "tube.tamis"
    os.mkfifo(pipe)
    writer = threading.Thread(target=lambda: pipe.write_text(UNFORMATTED), daemon=True)
    writer.start()  # so that a formater that reads the pipe gets a policy, and ends
    result = runner.invoke(cli, ["formater", str(pipe)])
    if pipe.is_fifo():
        pipe.read_bytes()  # the writer waits for a reader: let it end
    writer.join(timeout=30)
    assert result.exit_code == 1
    assert (
        f"erreur : {pipe}: pas un fichier ordinaire (tube nommé, périphérique) : rien n'est"
        f" réécrit ; « tamis formater - < {pipe} » écrit la politique formatée sur la sortie"
        " standard"
    ) in result.stderr
    assert pipe.is_fifo()
    with pytest.raises(OSError):
        write_policy(pipe, FORMATTED)
    assert pipe.is_fifo() and [p.name for p in tmp_path.iterdir()] == ["tube.tamis"]


def _descriptor_refused(path: str) -> str:
    return (
        f"erreur : {path}: un descripteur de fichier (l'entrée standard ?), pas un fichier à"
        " réécrire : rien n'est réécrit ; « tamis formater - » lit l'entrée standard et écrit"
        " la politique formatée sur la sortie standard\n"
    )


@pytest.mark.parametrize("folder", ["/proc/self/fd", "/dev/fd"])
def test_a_file_descriptor_is_not_rewritten(runner, tmp_path, folder):
    """/dev/fd/N or /proc/self/fd/N leads to whatever file is open there: formater rewrote
    it, a file the command line never named."""
    policy = write(tmp_path / "p.tamis", UNFORMATTED)
    fd = os.open(policy, os.O_RDONLY)
    try:
        result = runner.invoke(cli, ["formater", f"{folder}/{fd}"])
        checked = runner.invoke(cli, ["formater", "--verifier", f"{folder}/{fd}"])
    finally:
        os.close(fd)
    assert result.exit_code == 1
    assert _descriptor_refused(f"{folder}/{fd}") in result.stderr
    assert policy.read_text(encoding="utf-8") == UNFORMATTED
    assert checked.exit_code == 1 and "pas au format canonique" in checked.stderr


def test_dev_stdin_redirected_from_a_file_is_not_rewritten(tmp_path):
    """« tamis formater /dev/stdin < a.tamis > b.tamis » rewrote a.tamis in place and left
    b.tamis empty, with exit code 0; a link to /dev/stdin did the same."""
    import subprocess
    import sys

    policy = write(tmp_path / "a.tamis", UNFORMATTED)
    (tmp_path / "lien").symlink_to("/dev/stdin")
    for name in ("/dev/stdin", str(tmp_path / "lien")):
        with policy.open("rb") as stdin:
            done = subprocess.run(
                [sys.executable, "-c", "from tamis.cli.main import main; main()", "formater", name],
                stdin=stdin, capture_output=True, text=True, check=False,
            )  # fmt: skip
        assert done.returncode == 1
        assert done.stderr.startswith(_descriptor_refused(name)) and done.stdout == ""
        assert policy.read_text(encoding="utf-8") == UNFORMATTED


def test_verifier_changes_nothing_and_lists_unformatted_files(runner, tmp_path):
    bad = write(tmp_path / "a.tamis", UNFORMATTED)
    good = write(tmp_path / "b.tamis", FORMATTED)
    result = runner.invoke(cli, ["formater", "--verifier", str(bad), str(good)])
    assert result.exit_code == 1
    assert bad.read_text(encoding="utf-8") == UNFORMATTED
    assert f"{bad} : pas au format canonique" in result.stderr
    assert str(good) not in result.stderr
    assert "1 fichier(s) à reformater, 1 déjà au format canonique." in result.stderr


def test_verifier_exits_0_when_everything_is_formatted(runner, tmp_path):
    good = write(tmp_path / "b.tamis", FORMATTED)
    assert runner.invoke(cli, ["formater", "--verifier", str(good)]).exit_code == 0


def test_stdin_to_stdout(runner):
    result = runner.invoke(cli, ["formater", "-"], input=UNFORMATTED)
    assert result.exit_code == 0
    assert result.stdout == FORMATTED


def test_stdin_to_stdout_keeps_every_character_of_the_policy(runner):
    """The text written is the policy's, byte for byte: click.echo strips what looks like a
    terminal colour (ESC [ … m) when stdout is not a terminal, and « formater - < a > b »
    wrote a policy whose string had lost its escape sequence (another value, another
    decision). ``comparer`` must find the two the same."""
    policy = 'refuser si expediteur.titre = "\x1b[31mrouge\x1b[0m"\nsinon accepter\n'
    result = runner.invoke(cli, ["formater", "-"], input=policy.encode("utf-8"))
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == policy.encode("utf-8")


def test_stdin_with_verifier(runner):
    result = runner.invoke(cli, ["formater", "--verifier", "-"], input=UNFORMATTED)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "<entrée standard> : pas au format canonique" in result.stderr
    assert runner.invoke(cli, ["formater", "--verifier", "-"], input=FORMATTED).exit_code == 0
    with_bom = b"\xef\xbb\xbf" + FORMATTED.encode("utf-8")
    assert runner.invoke(cli, ["formater", "--verifier", "-"], input=with_bom).exit_code == 1


def test_syntax_error_leaves_the_file_and_prints_the_diagnostic(runner, tmp_path):
    broken = write(tmp_path / "p.tamis", "refuser sans_photo\n")
    other = write(tmp_path / "q.tamis", UNFORMATTED)
    result = runner.invoke(cli, ["formater", str(broken), str(other)])
    assert result.exit_code == 1
    assert broken.read_text(encoding="utf-8") == "refuser sans_photo\n"
    assert f"{broken}:1:9: erreur[E005]: il manque « si » après l'action" in result.stderr
    assert " 1 | refuser sans_photo" in result.stderr
    assert other.read_text(encoding="utf-8") == FORMATTED  # the others are still processed


def test_syntax_error_on_stdin(runner):
    result = runner.invoke(cli, ["formater", "-"], input="refuser si (a\n")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "<entrée standard>:1:12: erreur[E006]: parenthèse non fermée" in result.stderr


def test_unreadable_and_non_utf8_files(runner, tmp_path):
    latin = tmp_path / "latin.tamis"
    latin.write_bytes("refuser si é".encode("latin-1"))
    missing = tmp_path / "absent.tamis"
    good = write(tmp_path / "p.tamis", UNFORMATTED)
    result = runner.invoke(cli, ["formater", str(latin), str(missing), str(good)])
    assert result.exit_code == 1
    assert (
        f"{latin}:1:12: erreur[E000]: impossible de lire la politique : le fichier n'est pas en "
        "UTF-8 (octet 0xe9 à la ligne 1, colonne 12)"
    ) in result.stderr
    assert (
        f"{missing}: erreur[E000]: impossible de lire la politique : fichier introuvable"
    ) in result.stderr
    assert good.read_text(encoding="utf-8") == FORMATTED
    assert "Traceback" not in result.output


def test_directory_argument(runner, tmp_path):
    result = runner.invoke(cli, ["formater", str(tmp_path)])
    assert result.exit_code == 1
    expected = "erreur[E000]: impossible de lire la politique : c'est un dossier, pas un fichier"
    assert f"{tmp_path}: {expected}" in result.stderr


def test_byte_order_mark_and_decomposed_accents_are_read_like_valider(runner, tmp_path):
    """Editors that save a BOM or decomposed accents (NFD) still give the same policy; the
    canonical layout is UTF-8 without BOM, composed (NFC), so formater rewrites such a file."""
    canonical = "définir peu si non connu\n\nrefuser si peu\nsinon examiner\n"
    nfd = tmp_path / "nfd.tamis"
    nfd.write_bytes(b"\xef\xbb\xbf" + unicodedata.normalize("NFD", canonical).encode())
    assert runner.invoke(cli, ["valider", str(nfd)]).output == f"{nfd}: OK\n"
    check = runner.invoke(cli, ["formater", "--verifier", str(nfd)])
    assert check.exit_code == 1 and f"{nfd} : pas au format canonique" in check.stderr
    assert runner.invoke(cli, ["formater", str(nfd)]).exit_code == 0
    assert nfd.read_bytes() == canonical.encode("utf-8")  # no BOM, composed accents
    assert runner.invoke(cli, ["formater", "--verifier", str(nfd)]).exit_code == 0
    shuffled = tmp_path / "nfd2.tamis"
    shuffled.write_bytes(unicodedata.normalize("NFD", "DÉFINIR peu si non connu\n").encode())
    assert runner.invoke(cli, ["formater", str(shuffled)]).exit_code == 0
    assert shuffled.read_text(encoding="utf-8").startswith("définir peu si non connu")


def test_no_file_is_a_usage_error(runner):
    result = runner.invoke(cli, ["formater"])
    assert result.exit_code == 2


def test_help_is_in_french(runner):
    result = runner.invoke(cli, ["formater", "--help"])
    assert result.exit_code == 0
    assert "Réécrit les politiques FICHIER… dans la mise en page canonique." in result.output
    assert "Ne modifie rien\u202f; sort avec le code 1" in result.output


def test_formatted_output_passes_the_formatter_check(runner, tmp_path):
    source = (Path(__file__).parent.parent / "corpus" / "format" / "desordre.tamis").read_text(
        encoding="utf-8"
    )
    policy = write(tmp_path / "p.tamis", source)
    assert runner.invoke(cli, ["formater", str(policy)]).exit_code == 0
    assert runner.invoke(cli, ["formater", "--verifier", str(policy)]).exit_code == 0


def test_stdin_that_is_not_utf8(runner):
    result = runner.invoke(cli, ["formater", "-"], input="refuser si é".encode("latin-1"))
    assert result.exit_code == 1
    assert result.stderr == (
        "<entrée standard>: erreur[E000]: entrée illisible : le fichier n'est pas en UTF-8 "
        "(octet 0xe9 à la ligne 1, colonne 12)\n"
    )


@pytest.mark.parametrize("end", [b"\r\n", b"\r"])
def test_crlf_and_cr_files_are_rewritten_with_lf(runner, tmp_path, end):
    policy = tmp_path / "p.tamis"
    policy.write_bytes(FORMATTED.encode("utf-8").replace(b"\n", end))
    check = runner.invoke(cli, ["formater", "--verifier", str(policy)])
    assert check.exit_code == 1
    assert f"{policy} : pas au format canonique" in check.stderr
    assert runner.invoke(cli, ["formater", str(policy)]).exit_code == 0
    assert policy.read_bytes() == FORMATTED.encode("utf-8")


def test_an_endless_stdin_is_refused_in_french(runner):
    result = runner.invoke(cli, ["formater", "-"], input=b"#" * (8 * 1024 * 1024 + 1))
    assert result.exit_code == 1
    assert result.stderr == (
        "<entrée standard>: erreur[E000]: entrée illisible : trop grande : plus de"
        " 8\u202f388\u202f608 octets (8 Mio), la taille maximale\n"
    )
