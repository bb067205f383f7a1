"""``tamis tester``: passing and failing cases, exit codes, selection, JSON and JUnit."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from cases_helpers import CASES, POLICY, project, run_tester, write


def test_passing_cases_print_the_summary_and_exit_0(tmp_path: Path) -> None:
    project(tmp_path)
    result = run_tester(str(tmp_path / "essai.tamis"))
    assert result.exit_code == 0, result.output
    assert result.output == "2 réussis, 0 échoué\n"


def test_a_folder_is_searched_recursively(tmp_path: Path) -> None:
    project(tmp_path / "a" / "b")
    result = run_tester(str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.output.endswith("2 réussis, 0 échoué\n")


def test_a_failing_case_prints_expected_and_actual_then_exits_1(tmp_path: Path) -> None:
    cases = CASES.replace('attendu.decision = "accepter"', 'attendu.decision = "examiner"')
    path = project(tmp_path, cases)
    result = run_tester(str(path))
    assert result.exit_code == 1
    policy = tmp_path / "essai.tamis"
    assert result.output == (
        f"ÉCHEC {path}:9 « bien établi » (politique {policy})\n"
        "  attendu : examiner, règle « ligne 6 »\n"
        "  obtenu  : accepter, règle « ligne 6 » (natif)\n"
        "  écarts :\n"
        "    - décision : attendu examiner, obtenu accepter\n"
        "  explication obtenue (natif) : Acceptée par la règle de la ligne 6 :"
        " expediteur.connexions (120) >= connexions_min (50).\n"
        "\n"
        "1 réussi, 1 échoué\n"
    )


def test_fact_rule_and_explanation_mismatches_are_each_listed(tmp_path: Path) -> None:
    cases = (
        CASES.replace('mensonge = "inconnu"', 'mensonge = "faux"')
        .replace('attendu.regle = "photo"', 'attendu.regle = "suspect"')
        .replace('"sans_photo est vrai"', '"sans photo"')
    )
    result = run_tester(str(project(tmp_path, cases)))
    assert result.exit_code == 1
    assert "    - règle : attendu suspect, obtenu photo\n" in result.output
    assert "    - fait mensonge : attendu faux, obtenu inconnu\n" in result.output
    assert "    - explication : attendu contient « sans photo », obtenu non\n" in result.output
    assert "  explication attendue : contient « sans photo »\n" in result.output


def test_k_selects_cases_by_name(tmp_path: Path) -> None:
    project(tmp_path)
    result = run_tester(str(tmp_path), "-k", "PHOTO")
    assert result.exit_code == 0
    assert result.output == "1 réussi, 0 échoué\n"


def test_k_reads_an_accent_however_it_is_written(tmp_path: Path) -> None:
    """« -k établi » typed with « é » as two code points (e and a combining accent, as some
    keyboards and copies give it) selected nothing, and the error quoted a word that looked
    the same as the case's name. An accent still counts: « etabli » selects nothing."""
    project(tmp_path)  # its cases: « sans photo », « bien établi »
    for typed in ("e\u0301tabli", "ÉTABLI", "E\u0301TABLI"):
        result = run_tester(str(tmp_path), "-k", typed)
        assert (result.exit_code, result.output) == (0, "1 réussi, 0 échoué\n"), typed
    assert run_tester(str(tmp_path), "-k", "etabli").exit_code == 1


def test_k_matching_nothing_is_an_error(tmp_path: Path) -> None:
    project(tmp_path)
    result = run_tester(str(tmp_path), "-k", "vedette")
    assert result.exit_code == 1
    assert "Erreur : aucun cas ne correspond à -k vedette." in result.output


def test_no_test_file_is_an_error_and_a_missing_path_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path, "seule.tamis", "refuser si sans_photo\n")
    result = run_tester(str(tmp_path / "seule.tamis"))
    assert result.exit_code == 1
    assert f"erreur : {tmp_path / 'seule.tamis'} : aucun fichier de cas" in result.output
    assert "avertissement" not in result.output  # said once, as the error it is
    result = run_tester(str(tmp_path / "seule.tamis"), str(tmp_path), "--couverture-min", "50")
    assert result.output.count("aucun fichier de cas") == 1, result.output
    assert "couverture insuffisante" not in result.output
    empty = tmp_path / "vide"
    empty.mkdir()
    result = run_tester(str(empty))
    assert result.exit_code == 1
    assert result.output == f"Erreur : aucun fichier de cas (.cas.toml) dans {empty}.\n"
    result = run_tester(str(tmp_path / "absent"))
    assert result.exit_code == 2
    assert f"Chemin « {tmp_path / 'absent'} » introuvable." in result.output


def test_a_policy_without_cases_in_a_folder_is_reported(tmp_path: Path) -> None:
    project(tmp_path)
    write(tmp_path, "autre.tamis", "refuser si sans_photo\n")
    result = run_tester(str(tmp_path))
    assert result.exit_code == 0
    assert f"avertissement : {tmp_path / 'autre.tamis'} : aucun fichier de cas" in result.output
    result = run_tester(str(tmp_path), "--couverture-min", "50")
    assert result.exit_code == 1
    assert f"couverture insuffisante : {tmp_path / 'autre.tamis'} : aucun cas" in result.output


def test_json_output_holds_every_result(tmp_path: Path) -> None:
    cases = CASES.replace('attendu.decision = "accepter"', 'attendu.decision = "examiner"')
    path = project(tmp_path, cases)
    result = run_tester(str(path), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert (data["reussis"], data["echoues"], data["en_erreur"]) == (1, 1, 0)
    failed = data["resultats"][1]
    assert failed["cas"] == "bien établi"
    assert failed["statut"] == "echoue"
    assert failed["ligne"] == 9
    assert failed["attendu"]["decision"] == "examiner"
    assert failed["obtenu"][0]["decision"] == "accepter"
    assert failed["ecarts"] == [{"quoi": "décision", "attendu": "examiner", "obtenu": "accepter"}]


def test_a_junit_file_in_a_folder_that_does_not_exist_says_so(tmp_path: Path) -> None:
    """It said « écriture impossible (fichier introuvable) » of the report it was to create."""
    report = tmp_path / "absent" / "junit.xml"
    result = run_tester(str(project(tmp_path)), "--junit", str(report))
    assert result.exit_code == 1
    assert result.stderr == f"Erreur : {report} : écriture impossible (dossier introuvable).\n"


def test_a_junit_report_over_a_policy_or_case_file_it_reads_is_refused(tmp_path: Path) -> None:
    """« tamis tester essai.tamis --junit essai.tamis » replaced the policy under test with
    the XML report (the same for its case file, or a folder's policy)."""
    cases = project(tmp_path)
    policy = tmp_path / "essai.tamis"
    before = {path: path.read_bytes() for path in (policy, cases)}
    for tested, report, what in (
        (policy, policy, "une politique que tamis tester lit : le rapport JUnit la"),
        (policy, cases, "un fichier de cas que tamis tester lit : le rapport JUnit le"),
        (cases, policy, "une politique que tamis tester lit : le rapport JUnit la"),
        (tmp_path, policy, "une politique que tamis tester lit : le rapport JUnit la"),
    ):
        result = run_tester(str(tested), "--junit", str(report))
        assert result.exit_code == 2, result.output
        assert result.stderr.endswith(
            f"Erreur : --junit {report} est {what} remplacerait ; écrivez-le ailleurs"
            " (p. ex. --junit rapport.xml).\n"
        )
        assert {path: path.read_bytes() for path in (policy, cases)} == before
    assert run_tester(str(policy), "--junit", str(tmp_path / "r.xml")).exit_code == 0


def test_junit_file_has_one_testcase_per_case_and_the_failure(tmp_path: Path) -> None:
    cases = CASES.replace('attendu.decision = "accepter"', 'attendu.decision = "examiner"')
    path = project(tmp_path, cases)
    report = tmp_path / "junit.xml"
    result = run_tester(str(path), "--junit", str(report))
    assert result.exit_code == 1
    root = ET.fromstring(report.read_bytes())
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "1", "0")
    suite = root.find("testsuite")
    assert suite.get("name") == str(path)
    names = [case.get("name") for case in suite.findall("testcase")]
    assert names == ["sans photo", "bien établi"]
    failure = suite.findall("testcase")[1].find("failure")
    assert failure.get("message") == "décision : attendu examiner, obtenu accepter"
    assert "ÉCHEC" in failure.text


def test_both_engines_agree_on_the_cases(tmp_path: Path) -> None:
    project(tmp_path)
    result = run_tester(str(tmp_path), "--moteur", "tous")
    assert result.exit_code == 0, result.output
    assert result.output == "2 réussis, 0 échoué\n"
    both = json.loads(run_tester(str(tmp_path), "--moteur", "tous", "--format", "json").output)
    assert [run["moteur"] for run in both["resultats"][0]["obtenu"]] == ["natif", "durable"]
    result = run_tester(str(tmp_path), "--moteur", "durable", "--format", "json")
    assert result.exit_code == 0, result.output
    assert {r["obtenu"][0]["moteur"] for r in json.loads(result.output)["resultats"]} == {"durable"}


def test_an_unknown_engine_is_a_usage_error(tmp_path: Path) -> None:
    project(tmp_path)
    result = run_tester(str(tmp_path), "--moteur", "rete")
    assert result.exit_code == 2
    assert "« rete » n'est pas parmi « natif », « durable », « tous »" in result.output


def test_two_test_files_of_one_policy_share_its_coverage(tmp_path: Path) -> None:
    project(tmp_path)
    extra = (
        'politique = "essai.tamis"\n\n[[cas]]\nnom = "rien"\ninvitation = {}\n'
        'attendu.decision = "examiner"\n'
    )
    write(tmp_path, "autres.toml", extra)
    result = run_tester(str(tmp_path / "essai.cas.toml"), str(tmp_path / "autres.toml"),
                        "--couverture")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.count("Couverture de ") == 1
    assert "3 cas\n" in result.output
    assert result.output.endswith("3 réussis, 0 échoué\n")


def test_junit_reports_a_malformed_file_as_an_error(tmp_path: Path) -> None:
    path = project(tmp_path, CASES.replace('"accepter"', '"acceptr"'))
    report = tmp_path / "junit.xml"
    run_tester(str(path), "--junit", str(report))
    suite = ET.fromstring(report.read_bytes()).find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "0", "1")
    error = suite.find("testcase[@name='bien établi']/error")
    assert error.get("message").endswith("erreur[C005]: décision inconnue « acceptr »")


def test_junit_counts_the_errors_the_terminal_counts(tmp_path: Path) -> None:
    """Two cases that could not run were « 2 en erreur » on the terminal and one error (a
    testcase « fichier de cas ») in JUnit; each is now its own testcase, by its name."""
    broken = CASES.replace("photo = false", 'photo = "oui"').replace("photo = true", "photo = 3")
    path = project(tmp_path, broken + '\n[[cas]]\nnom = "rien"\ninvitation = {}\n'
                   'attendu.decision = "examiner"\n')  # fmt: skip
    report = tmp_path / "junit.xml"
    result = run_tester(str(path), "--junit", str(report))
    assert result.output.endswith("1 réussi, 0 échoué, 2 en erreur\n"), result.output
    root = ET.fromstring(report.read_bytes())
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "0", "2")
    erred = [case.get("name") for case in root.iter("testcase") if case.find("error") is not None]
    assert erred == ["sans photo", "bien établi"]
    whole = project(tmp_path, "[[cas]\n")  # the file as a whole: one error, as the terminal's
    assert run_tester(str(whole), "--junit", str(report)).output.endswith(", 1 en erreur\n")
    suite = ET.fromstring(report.read_bytes()).find("testsuite")
    assert (suite.get("tests"), suite.get("errors")) == ("1", "1")
    assert suite.find("testcase[@name='fichier de cas']/error") is not None


def test_junit_to_a_dash_is_refused_not_a_file_named_dash(tmp_path: Path, monkeypatch) -> None:
    path = project(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run_tester(str(path), "--junit", "-")
    assert result.exit_code == 2
    assert "le rapport JUnit s'écrit dans un fichier (p. ex. --junit rapport.xml)" in result.output
    assert not (tmp_path / "-").exists()


def test_a_junit_report_to_a_pipe_or_a_link_replaces_neither(tmp_path: Path) -> None:
    """--junit on a FIFO writes into it: the rename of a temporary file put a plain file in
    its place (and would have replaced /dev/null itself for a job run as root, which this
    test does not try). Through a link, the file it points to gets the report and the link
    stays a link."""
    import os
    import threading

    path = project(tmp_path)
    pipe = tmp_path / "tube"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    assert run_tester(str(path), "--junit", str(pipe)).exit_code == 0
    reader.join(timeout=30)
    assert pipe.is_fifo()
    assert ET.fromstring(received[0]).get("tests") == "2"
    target = tmp_path / "rapports" / "junit.xml"
    target.parent.mkdir()
    target.write_text("ancien", encoding="utf-8")
    link = tmp_path / "junit.xml"
    link.symlink_to(target)
    assert run_tester(str(path), "--junit", str(link)).exit_code == 0
    assert link.is_symlink()
    assert ET.fromstring(target.read_bytes()).get("tests") == "2"


def test_a_junit_report_is_written_whole_or_not_at_all(tmp_path: Path, full_disk: Path) -> None:
    """A full disk left an empty or cut report for the CI server, and said so in English
    (« No space left on device »)."""
    path = project(tmp_path)
    report = full_disk / "junit.xml"
    assert run_tester(str(path), "--junit", str(report)).exit_code == 0
    before = report.read_bytes()
    ET.fromstring(before)
    (full_disk / "remplissage").write_bytes(b"x" * (16384 - 4096))
    result = run_tester(str(path), "--junit", str(report))
    assert result.exit_code == 1
    assert result.stderr == f"Erreur : {report} : écriture impossible (disque plein).\n"
    assert report.read_bytes() == before
    assert sorted(p.name for p in full_disk.iterdir()) == ["junit.xml", "remplissage"]


def test_a_toml_date_is_read_as_the_same_date_written_as_text(tmp_path: Path) -> None:
    """``recue_le = 2026-01-29`` (a TOML date, unquoted) was « date illisible : attendu une
    date ISO 8601 (reçu : "2026-01-29") », while the same text in quotes, or in decider's
    JSON, was read."""
    cases = "".join(
        f'[[cas]]\nnom = "{name}"\ninvitation.recue_le = {value}\nattendu.decision = "refuser"\n\n'
        for name, value in (
            ("date TOML", "2026-01-29"),
            ("date en texte", '"2026-01-29"'),
            ("date-heure TOML", "2026-01-29T14:37:00-05:00"),
        )
    )
    path = project(tmp_path, cases, policy='refuser si recue_le commence par "2026-01-29"\n')
    result = run_tester(str(path))
    assert (result.exit_code, result.output) == (0, "3 réussis, 0 échoué\n")


def test_junit_is_well_formed_whatever_the_case_names_hold(tmp_path: Path) -> None:
    """XML 1.0 has no place for most control characters, even escaped: a case named with
    one (TOML writes it \\u0001) made a report no CI server could read (« not well-formed
    (invalid token) »). Each is written as the terminal shows it (\\x01), and what XML can
    hold (]]>, quotes, <, &) is kept."""
    odd = 'a ]]> \\"b\\" <c> & \\u0001 \\u001b[31m d \\u007f'
    cases = CASES.replace('nom = "bien établi"', f'nom = "{odd}"').replace(
        'attendu.decision = "accepter"', 'attendu.decision = "examiner"'
    )
    cases += f'\n[[cas]]\nnom = "{odd}"\ninvitation = {{}}\nattendu.decision = "examiner"\n'
    path = project(tmp_path, cases)
    report = tmp_path / "junit.xml"
    assert run_tester(str(path), "--junit", str(report)).exit_code == 1
    suite = ET.fromstring(report.read_bytes()).find("testsuite")
    shown = 'a ]]> "b" <c> & \\x01 \\x1b[31m d \\x7f'
    assert [case.get("name") for case in suite.findall("testcase")] == ["sans photo", shown, shown]
    assert shown in suite.find(f"testcase[@name='{shown}']/failure").text
    assert shown in suite.find(f"testcase[@name='{shown}']/error").get("message")  # C013


def test_the_text_report_escapes_a_terminal_s_control_characters(tmp_path: Path) -> None:
    """A case name and an explanation quoting the invitation (a title figer took from the
    journal) are shown escaped, as the journal commands show them: raw, an escape sequence
    (here one that sets the terminal's title, and another that clears the screen) went to
    the terminal of whoever ran the tests."""
    policy = 'règle "titre" : refuser si expediteur.titre contient "vente"\nsinon examiner\n'
    cases = (
        '[[cas]]\nnom = "cas \\u001b[2J"\n'
        'invitation.expediteur = { titre = "vente \\u001b]0;pris\\u0007 \\u202eelle" }\n'
        'attendu.decision = "accepter"\n'
    )
    path = project(tmp_path, cases, policy)
    result = run_tester(str(path))
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\u202e" not in result.output
    assert f"ÉCHEC {path}:1 « cas \\x1b[2J »" in result.output
    assert "expediteur.titre (« vente \\x1b]0;pris\\x07 \\u202eelle ») contient" in result.output


def test_junit_gives_the_errors_of_a_policy_that_cannot_be_used(tmp_path: Path) -> None:
    """A policy with errors: the terminal shows its diagnostics under the case file's C012,
    the JUnit error held the C012 line alone, so the CI page did not say what was wrong."""
    path = project(tmp_path, policy="refuser si sans_foto\nsinon accepter\n")
    report = tmp_path / "junit.xml"
    result = run_tester(str(path), "--junit", str(report))
    assert result.exit_code == 1
    assert "erreur[E011]: fait ou paramètre inconnu « sans_foto »" in result.output
    error = ET.fromstring(report.read_bytes()).find(
        "testsuite/testcase[@name='fichier de cas']/error"
    )
    assert "C012" in error.get("message")
    assert "erreur[E011]: fait ou paramètre inconnu « sans_foto »" in error.text
    assert "vouliez-vous dire « sans_photo » ?" in error.text


def test_a_junit_report_over_a_file_a_case_file_names_is_refused(tmp_path: Path) -> None:
    """A case file names the policy it tests (« politique = … »), its context (« contexte =
    … ») and a case's invitation file (« invitation = "a.json" »), files the run reads too:
    --junit naming one replaced it with the XML report, the person's file lost."""
    policy = write(tmp_path, "politiques/p.tamis", POLICY)
    context = write(tmp_path, "contexte.toml", "connexions_min = 50\n")
    invitation = write(tmp_path, "invitations/a.json", '{"expediteur": {"photo": false}}')
    named = 'politique = "../politiques/p.tamis"\ncontexte = "../contexte.toml"\n\n'
    one_more = '\n[[cas]]\nnom = "fichier"\ninvitation = "../invitations/a.json"\n'
    cases = write(tmp_path, "cas/essai.cas.toml", named + CASES + one_more)
    files = (policy, context, invitation, cases)
    before = {path: path.read_bytes() for path in files}
    for report, what in (
        (policy, "une politique que tamis tester lit : le rapport JUnit la"),
        (context, "un fichier de contexte que tamis tester lit : le rapport JUnit le"),
        (invitation, "un fichier d'invitation que tamis tester lit : le rapport JUnit le"),
    ):
        result = run_tester(str(cases), "--junit", str(report))
        assert result.exit_code == 2, result.output
        assert result.stderr.endswith(
            f"Erreur : --junit {report} est {what} remplacerait ; écrivez-le ailleurs"
            " (p. ex. --junit rapport.xml).\n"
        )
        assert {path: path.read_bytes() for path in files} == before
    run_tester(str(cases), "--junit", str(tmp_path / "r.xml"))
    assert ET.parse(tmp_path / "r.xml").getroot().tag == "testsuites"
