"""The sessions the docs print as real (« Sortie réelle ») print what they show.

Replayed in order (``doc_sessions``), from a folder holding the shipped ``policies/``, as the
pages run them from the project's root, or beside the small files a page gives just before
(its policy, its cases, its ``service.toml``): the install line aside (this environment is
the installed tamis), each command must end with code 0, or the code the page's
``echo $?`` shows, and print what the page shows.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from doc_sessions import blocks, matches, real_blocks, replay, run_session, session

ROOT = Path(__file__).resolve().parent.parent


def section(name: str, title: str) -> str:
    """The part of ``docs/NAME`` under its « ## TITLE… » heading, to the next one."""
    page = (ROOT / "docs" / name).read_text(encoding="utf-8")
    start = page.index(f"\n## {title}")
    return page[start : page.index("\n## ", start + 1)]


def copy_examples(folder: Path) -> None:
    """A copy of ``policies/exemples/`` in ``folder`` (« une copie à côté »)."""
    for example in (ROOT / "policies" / "exemples").iterdir():
        if example.is_file():
            (folder / example.name).write_bytes(example.read_bytes())


def test_commandes_sessions_print_what_the_page_shows(tmp_path: Path) -> None:
    """Beside the shipped ``policies/``, the files of « Invitations invalides et codes de
    sortie »: ``essai.tamis`` and ``bad.jsonl`` as the blocks after their names give them,
    ``casse.tamis`` as its sentence does."""
    (tmp_path / "policies").symlink_to(ROOT / "policies")
    page = (ROOT / "docs" / "commandes.md").read_text(encoding="utf-8")
    for name in ("essai.tamis", "bad.jsonl"):
        ((_, content), *_) = blocks(page[page.index(f"`{name}`") :])
        (tmp_path / name).write_text(content, encoding="utf-8")
    assert "(`refuser si sans_photo et`)" in page
    (tmp_path / "casse.tamis").write_text("refuser si sans_photo et\n", encoding="utf-8")
    ran = 0
    for block in real_blocks(page):
        lines = [line for line in block if not line.startswith("$ pip install")]
        ran += run_session(lines, tmp_path)
    assert ran >= 2


def test_tester_story_prints_what_the_page_shows(tmp_path: Path) -> None:
    """« Exemple complet » of docs/tester.md, step by step: the policy as first written, its
    cases, the correction of the « photo » rule, the policy with its « vente » rule, each
    ``tamis tester`` in between, beside a copy of ``policies/exemples/`` (« copie à côté »)."""
    story = section("tester.md", "Exemple complet")
    copy_examples(tmp_path)
    policy = tmp_path / "jade.tamis"
    ran = 0
    for language, content in blocks(story):
        if language == "toml":
            (tmp_path / "jade.cas.toml").write_text(content, encoding="utf-8")
        elif language == "console":
            ran += run_session(content.splitlines(), tmp_path)
        elif content.startswith("politique "):
            policy.write_text(content, encoding="utf-8")
        else:  # one corrected line: it takes the place of the line of the same rule
            (line,) = content.splitlines()
            rule = line.split(":", 1)[0]
            text = policy.read_text(encoding="utf-8").splitlines(keepends=True)
            (at,) = (i for i, old in enumerate(text) if old.startswith(rule))
            text[at] = line + "\n"
            policy.write_text("".join(text), encoding="utf-8")
    assert ran == 5


def test_conseiller_session_prints_what_the_page_shows(tmp_path: Path) -> None:
    """docs/conseiller.md's draft, checked from a folder holding the shipped ``policies/``
    and no journal: its findings, its verdict, where the advice was written, the note's
    model and the exit code."""
    (tmp_path / "policies").symlink_to(ROOT / "policies")
    page = (ROOT / "docs" / "conseiller.md").read_text(encoding="utf-8")
    ran = sum(run_session(block, tmp_path) for block in real_blocks(page))
    assert ran == 2


def test_figer_session_prints_what_the_page_shows(tmp_path: Path) -> None:
    """« Garder de vraies décisions comme cas » of docs/tester.md: beside a copy of
    ``policies/exemples/`` and ``blogue.tamis``, once the sentence's ``tamis decider`` has
    decided the examples, the cases ``figer`` writes (the policy that decided them named in
    their ``origine``) and ``tamis tester`` on them."""
    freezing = section("tester.md", "Garder de vraies décisions comme cas")
    copy_examples(tmp_path)
    (tmp_path / "blogue.tamis").write_bytes((ROOT / "policies" / "blogue.tamis").read_bytes())
    decide = "tamis decider -p blogue.tamis --contexte tamis.toml invitations.jsonl"
    assert f"`{decide}`" in freezing
    code, output = replay(decide, tmp_path)
    assert code == 0, output
    assert sum(run_session(block, tmp_path) for block in real_blocks(freezing)) == 3


def test_effacer_session_prints_what_the_page_shows(tmp_path: Path) -> None:
    """« Effacer des données personnelles » of docs/journal.md, on the journal the README's
    first command writes: ``effacer`` answered « o » (its question and answer on one line,
    as the terminal shows them), then ``verifier``, each printing what the page shows."""
    page = (ROOT / "docs" / "journal.md").read_text(encoding="utf-8")
    ((_, shown),) = [found for found in blocks(page) if "$ tamis journal effacer" in found[1]]
    (tmp_path / "policies").symlink_to(ROOT / "policies")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = readme.split(" && .venv/bin/", 2)[2].split("\n", 1)[0]
    assert first.startswith("tamis decider ")
    code, output = replay(first, tmp_path)
    assert code == 0, output
    steps = session(shown.replace(" [o/N] o\n", " [o/N] ").splitlines())
    assert [command.split()[:3] for command, _ in steps] == [
        ["tamis", "journal", "effacer"],
        ["tamis", "journal", "verifier"],
    ]
    for command, lines in steps:
        code, output = replay(command, tmp_path, typed="o\n")
        assert code == 0, output
        assert matches(lines, output), (command, lines, output)


def test_tester_case_file_errors_print_what_the_page_shows(tmp_path: Path) -> None:
    """« Les erreurs d'un fichier de cas » of docs/tester.md: ``essai.tamis`` as the page
    gives it in its sentence, ``essai.cas.toml`` as its block, then ``tamis tester``."""
    page = (ROOT / "docs" / "tester.md").read_text(encoding="utf-8")
    start = page.index("\n## Les erreurs d'un fichier de cas")
    section = page[start : page.index("\n## ", start + 1)]
    assert '(`règle "photo" : refuser si sans_photo`, `sinon examiner`)' in section
    policy = 'règle "photo" : refuser si sans_photo\nsinon examiner\n'
    (tmp_path / "essai.tamis").write_text(policy, encoding="utf-8")
    ((_, cases),) = [found for found in blocks(section) if found[0] == "toml"]
    (tmp_path / "essai.cas.toml").write_text(cases, encoding="utf-8")
    assert sum(run_session(block, tmp_path) for block in real_blocks(section)) == 2


def test_comparer_sample_prints_what_the_page_shows(tmp_path: Path) -> None:
    """« tamis comparer » of docs/analyse.md: the two policies as its blocks give them (the
    one after « de `ancienne.tamis` », the one after « à `nouvelle.tamis` »), then the
    comparison, its two kinds of difference, their examples and its exit code."""
    page = (ROOT / "docs" / "analyse.md").read_text(encoding="utf-8")
    start = page.index("\n## `tamis comparer`")
    section = page[start : page.index("\n## ", start + 1)]
    for name in ("ancienne.tamis", "nouvelle.tamis"):
        after = section[section.index(f"`{name}`") :]
        ((_, policy), *_) = blocks(after)
        (tmp_path / name).write_text(policy, encoding="utf-8")
    assert sum(run_session(block, tmp_path) for block in real_blocks(section)) == 2


def test_analyser_sample_prints_what_the_page_shows(tmp_path: Path) -> None:
    """« tamis analyser » of docs/analyse.md: ``a001.tamis`` as the block after its name
    gives it, then the analysis, each finding with its example, and its exit code."""
    page = (ROOT / "docs" / "analyse.md").read_text(encoding="utf-8")
    start = page.index("\n## `tamis analyser`")
    section = page[start : page.index("\n## ", start + 1)]
    ((_, policy), *_) = blocks(section[section.index("`a001.tamis`") :])
    (tmp_path / "a001.tamis").write_text(policy, encoding="utf-8")
    assert sum(run_session(block, tmp_path) for block in real_blocks(section)) == 2


def test_service_toml_refusals_print_what_the_page_shows(tmp_path: Path) -> None:
    """« Plusieurs espaces » of docs/service.md: each refusal to start, with the
    ``service.toml`` block just before it (two spaces writing one journal, a malformed file):
    what ``tamis servir`` prints, its exit code, and nothing written."""
    page = (ROOT / "docs" / "service.md").read_text(encoding="utf-8")
    start = page.index("\n## Plusieurs espaces")
    section = page[start : page.index("\n## ", start + 1)]
    ran = 0
    for block in real_blocks(section):
        before = section[: section.index("\n".join(block))]
        *_, config = re.findall(r"^```toml\n(.*?)^```$", before, re.DOTALL | re.MULTILINE)
        (tmp_path / "service.toml").write_text(config, encoding="utf-8")
        ran += run_session(block, tmp_path)
    assert ran == 4
    assert sorted(path.name for path in tmp_path.iterdir()) == ["service.toml"]


def test_commands_on_the_shipped_policies_run_as_the_pages_write_them(tmp_path: Path) -> None:
    """The commands the reference pages show on ``policies/`` (« tamis valider
    policies/*.tamis »…) run as written, from a folder holding a copy of the shipped
    ``policies/`` (``formater`` rewrites files), and end with code 0: the files they name
    exist, and the shipped policies pass. They once named ``politiques/``, which no clone
    has."""
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    lines = [
        line.split("#", 1)[0].strip()
        for name in ("analyse.md", "diagnostics.md", "langage.md")
        for _, content in blocks((ROOT / "docs" / name).read_text(encoding="utf-8"))
        for line in content.splitlines()
        if line.startswith("tamis ") and " policies/" in line
    ]
    assert len(lines) == 5, lines
    for line in lines:
        code, output = replay(line, tmp_path)
        assert code == 0, (line, output)
