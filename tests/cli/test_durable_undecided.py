"""An invitation the durable engine cannot decide: named in French, not journaled, the others
decided, a non-zero exit; with one process or several, in ``decider`` and ``rejouer``.

durable-rules 2.0.28 keeps a text's length in 16 bits: a title of 65,536 « x » was found
equal to « x », so ``--moteur durable`` decided it wrongly and explained it with a false
equality. Such an invitation is now refused by the engine (``DurableFailed``), alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("durable")

from tamis.audit.reader import iter_records
from tamis.engine.compile import compile_policy
from tamis.engine.durable_engine import DurableFailed, DurablePolicy
from tamis.engine.durable_translate import MAX_TEXT_BYTES
from tamis.engine.engines import undecided
from tamis.grammar.load import load_policy
from tamis.invitations.vocabulary import vocabulary

POLICY = 'examiner si expediteur.titre = "x"\nsinon accepter\n'
TOO_LONG = "x" * (MAX_TEXT_BYTES + 1)
REASON = (
    "invitation « long » : le moteur « durable » n'a pas pu la décider : le texte de"
    " « expediteur.titre » dépasse 65\u202f535 octets"
)


def tamis(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", "from tamis.cli.main import main; main()", *args]
    env = {k: v for k, v in os.environ.items() if k != "TAMIS_JOURNAL"}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def invitation(ident: str, title: str) -> str:
    return json.dumps({"id": ident, "expediteur": {"titre": title}}) + "\n"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    lines = [invitation("a", "x"), invitation("long", TOO_LONG)]
    lines += [invitation(f"n{i}", "y" * 90) for i in range(3000)]  # > 256 Kio: workers
    (tmp_path / "i.jsonl").write_text("".join(lines), encoding="utf-8")
    return tmp_path


def journaled(path: Path) -> list[str]:
    return [r["contenu"]["id"] for r in iter_records(path) if r["evenement"] == "decision"]


def test_the_engine_refuses_a_text_it_would_compare_wrongly() -> None:
    policy, _ = load_policy(POLICY, "p.tamis", vocabulary())
    assert policy is not None
    durable, native = DurablePolicy(policy), compile_policy(policy)
    longest = "x" * MAX_TEXT_BYTES  # still compared exactly
    assert (
        durable.decide({"expediteur.titre": longest}).action
        is native.decide({"expediteur.titre": longest}).action
    )
    with pytest.raises(DurableFailed) as raised:
        durable.decide({"expediteur.titre": TOO_LONG})
    assert raised.value.name == "expediteur.titre"
    escaped = "\n" * (MAX_TEXT_BYTES // 2 + 1)  # each « \n » is two bytes in durable's JSON
    with pytest.raises(DurableFailed):
        durable.decide({"expediteur.titre": escaped})


@pytest.mark.parametrize("processes", ["1", "2"])
def test_decider_names_it_journals_the_others_and_exits_3(work: Path, processes: str) -> None:
    args = ("-p", "p.tamis", "--moteur", "durable", "--processus", processes, "i.jsonl")
    done = tamis("decider", *args, "--journal", "j.jsonl", cwd=work)
    assert done.returncode == 3, done.stderr
    assert f"i.jsonl:2: erreur : {REASON}" in done.stderr
    assert "rien n'a été inscrit au journal pour elle" in done.stderr
    assert "--moteur natif" in done.stderr and "Traceback" not in done.stderr
    ids = journaled(work / "j.jsonl")
    assert "long" not in ids and len(ids) == 3001
    assert '"id":"long"' not in done.stdout
    assert json.loads(done.stdout.splitlines()[0])["decision"] == "examiner"
    last = done.stderr.splitlines()[-1]  # it was « 1 rejetée(s) », as if it were invalid
    assert last.endswith("), 1 non décidée(s) par le moteur « durable ».") and "rejet" not in last


def test_rejouer_names_it_by_its_journal_record_and_exits_3(work: Path) -> None:
    done = tamis("decider", "-p", "p.tamis", "i.jsonl", "--journal", "j.jsonl", cwd=work)
    assert done.returncode == 0, done.stderr
    args = ("-p", "p.tamis", "--moteur", "durable", "--journal", "j.jsonl", "--format", "json")
    done = tamis("rejouer", *args, cwd=work)
    assert done.returncode == 3, done.stderr
    named = f"j.jsonl:4 (enregistrement n° 4) : {REASON}"
    assert f"erreur : {named}" in done.stderr
    report = json.loads(done.stdout)
    assert report["total"] == 3001 and len(report["non_decidees"]) == 1
    assert report["non_decidees"][0].startswith(named)
    assert report["rejetees"] == []  # it held « long », as if its record no longer validated
    assert "Traceback" not in done.stderr


def test_rejouer_counts_it_in_its_text_summary(tmp_path: Path) -> None:
    """The text summary did not count it; alone in the selection, it read « Aucune décision du
    journal ne correspond à ces critères. » with exit code 3."""
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    (tmp_path / "i.jsonl").write_text(invitation("a", "x") + invitation("long", TOO_LONG))
    done = tamis("decider", "-p", "p.tamis", "i.jsonl", "--journal", "j.jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    args = ("-p", "p.tamis", "--moteur", "durable", "--journal", "j.jsonl")
    done = tamis("rejouer", *args, "--decision", "accepter", cwd=tmp_path)  # « long » alone
    assert done.returncode == 3, done.stderr
    assert " ".join(done.stdout.split()) == (
        "0 invitation(s) rejouée(s) ; 0 changerai(en)t de décision ;"
        " 1 non décidée(s) par le moteur « durable »."
    )


@pytest.mark.parametrize("score", [0.00005, 9e-05, 1e20, -5e-05])
def test_the_engine_refuses_a_number_it_would_read_wrongly(score: float) -> None:
    """JSON writes these with an exponent (« 5e-05 »), which durable-rules misreads: a score
    of 0.00005 was not below 0.001 for it, and the policy decided otherwise than natif."""
    policy, _ = load_policy(
        "examiner si message.score_commercial < 0.001\nsinon accepter\n", "p.tamis", vocabulary()
    )
    assert policy is not None
    with pytest.raises(DurableFailed) as raised:
        DurablePolicy(policy).decide({"message.score_commercial": score})
    assert (raised.value.name, raised.value.value) == ("message.score_commercial", score)
    said = undecided("a", raised.value)
    assert "« message.score_commercial » vaut " in said and "lit mal" in said


@pytest.mark.parametrize("score", [0.0001, 0.5, 0.0, 1e15])
def test_numbers_written_plainly_still_decide_as_natif(score: float) -> None:
    policy, _ = load_policy(
        "examiner si message.score_commercial < 0.001\nsinon accepter\n", "p.tamis", vocabulary()
    )
    assert policy is not None
    facts = {"message.score_commercial": score}
    found = DurablePolicy(policy).decide(facts)
    assert found.action is compile_policy(policy).decide(facts).action


def test_tester_names_the_case_the_engine_could_not_decide(tmp_path: Path) -> None:
    """« tamis tester --moteur durable » ended in DurableFailed's traceback."""
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    cases = (
        '[[cas]]\nnom = "court"\ninvitation.expediteur = { titre = "x" }\n'
        'attendu.decision = "examiner"\n\n'
        f'[[cas]]\nnom = "long"\ninvitation.expediteur = {{ titre = "{TOO_LONG}" }}\n'
        'attendu.decision = "accepter"\n'
    )
    (tmp_path / "p.cas.toml").write_text(cases, encoding="utf-8")
    done = tamis("tester", "--moteur", "durable", "p.tamis", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert f"Erreur : p.cas.toml, cas « long » : {REASON}" in done.stderr
    assert "1 réussi, 0 échoué" in done.stdout and "Traceback" not in done.stderr


SMALL = "paramètre s = 0.5\nrefuser si expediteur.connexions < s\nsinon accepter\n"
PARAMETER = (
    "le moteur « durable » ne peut pas prendre ce paramètre : « s » vaut 0,00005, un nombre"
    " que durable-rules lit mal"
)


BUILT_IN = "refuser si message.score_commercial >= seuil_commercial\nsinon accepter\n"


@pytest.mark.parametrize(
    ("source", "given", "name"),
    [
        (SMALL, ["--parametre", "s=0.00005"], "s"),
        (SMALL.replace("0.5", "0.00005"), [], "s"),
        (BUILT_IN, ["--contexte", "c.toml"], "seuil_commercial"),
    ],
    ids=["parametre", "politique", "contexte"],
)
def test_a_parameter_durable_would_misread_is_refused_by_name_at_start(
    tmp_path: Path, source: str, given: list[str], name: str
) -> None:
    """A decimal parameter JSON writes with an exponent is inlined in durable's ruleset, which
    durable-rules cannot read: given with --parametre (or by the context), the first decision
    ended in a traceback; declared in the policy, the start was refused with durable's error
    number only (« son erreur 204 »), the parameter unnamed."""
    (tmp_path / "p.tamis").write_text(source, encoding="utf-8")
    (tmp_path / "c.toml").write_text("[parametres]\nseuil_commercial = 0.00005\n")
    (tmp_path / "i.json").write_text(invitation("a", "x"), encoding="utf-8")
    done = tamis(
        "decider", "-p", "p.tamis", "--moteur", "durable", "--journal", "j.jsonl", *given,
        "i.json", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stderr == f"Erreur : p.tamis : {PARAMETER.replace('« s »', f'« {name} »')}" + (
        " (il s'écrit avec un exposant en JSON : moins de 0,0001 ou 10 millions de milliards et"
        " plus) ; rien n'a été décidé. Utilisez « --moteur natif », le moteur par défaut, qui le"
        " lit exactement.\n"
    )
    assert not (tmp_path / "j.jsonl").exists()


def test_a_policy_parameter_overridden_with_a_plain_value_decides(tmp_path: Path) -> None:
    (tmp_path / "p.tamis").write_text(SMALL.replace("0.5", "0.00005"), encoding="utf-8")
    (tmp_path / "i.json").write_text('{"id": "a", "expediteur": {"connexions": 3}}\n')
    done = tamis(
        "decider", "-p", "p.tamis", "--moteur", "durable", "--journal", "j.jsonl",
        "--parametre", "s=5", "--format", "json", "i.json", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["decision"] == "refuser"


def test_tester_names_a_case_whose_parameter_durable_would_misread(tmp_path: Path) -> None:
    """A case's own parameters build another ruleset as it is decided: its refusal by
    durable-rules ended « tamis tester » in a traceback (``Unregistered``)."""
    (tmp_path / "p.tamis").write_text(SMALL, encoding="utf-8")
    cases = (
        '[[cas]]\nnom = "petit"\ninvitation.expediteur = { connexions = 3 }\n'
        'parametres = { s = 0.00005 }\nattendu.decision = "accepter"\n\n'
        '[[cas]]\nnom = "grand"\ninvitation.expediteur = { connexions = 3 }\n'
        'parametres = { s = 5 }\nattendu.decision = "refuser"\n'
    )
    (tmp_path / "p.cas.toml").write_text(cases, encoding="utf-8")
    done = tamis("tester", "--moteur", "durable", "p.tamis", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert (
        "Erreur : p.cas.toml, cas « petit » : invitation « petit » : le moteur « durable » n'a"
        " pas pu la décider : « s » vaut 0,00005, un nombre que durable-rules lit mal"
    ) in done.stderr
    assert "1 réussi, 0 échoué" in done.stdout
