"""``advise``: every finding on a draft, from the same facts that judge received invitations."""

from __future__ import annotations

from pathlib import Path

import pytest

from tamis.invitations.context import Context, load_context
from tamis.outreach.advice import Draft, advise
from tamis.outreach.findings import CHECKS, Verdict

CONTEXT = """\
[moi]
nom = "Jade Bérubé Morin"
entreprises = ["Ludis Media"]
ecoles = ["UQAM"]

[reseau]
contacts = ["Marc-André Gagnon", "https://www.linkedin.com/in/sophie-lavoie-mtl"]
"""


@pytest.fixture(scope="module")
def context(tmp_path_factory) -> Context:
    path: Path = tmp_path_factory.mktemp("ctx") / "tamis.toml"
    path.write_text(CONTEXT, encoding="utf-8")
    return load_context(path)


def codes(note: str, context: Context, to: str = "Marc-André Gagnon", url=None) -> list[str]:
    return [f.check.code for f in advise(Draft(to, note, url), context).findings]


FRIENDLY = [
    "Bonjour Marc-André,\nmerci pour ton atelier au congrès de la semaine dernière ; "
    "j'aimerais qu'on reste en contact pour le projet de balado.\nJade",
    "Hi Marc-André, great meeting you at the conference yesterday! I'd love to keep in touch "
    "about the podcast project. Jade",
    "Salut Marc-André ! On s'est croisés au 5 à 7 de l'agence jeudi : content d'avoir jasé "
    "de ton projet de balado. Au plaisir, Jade",
]


@pytest.mark.parametrize("note", FRIENDLY)
def test_ordinary_friendly_notes_to_a_contact_are_ready_to_send(note, context):
    advice = advise(Draft("Marc-André Gagnon", note), context)
    assert advice.findings == () and advice.verdict is Verdict.PRETE
    assert advice.skeleton is None


@pytest.mark.parametrize(
    "note",
    [
        "Je vous invite à faire partie de mon réseau professionnel sur LinkedIn.",
        "Bonjour Marc-André,\nJe vous invite à faire partie de mon réseau professionnel sur "
        "LinkedIn.\nJade",
        "Hi Marc-André, I'd like to add you to my professional network on LinkedIn. - Jade",
        "",
        "   \n ",
    ],
)
def test_a_default_or_empty_note_gets_one_finding_and_a_skeleton(note, context):
    advice = advise(Draft("Marc-André Gagnon", note), context)
    assert [f.check.code for f in advice.findings] == ["C003"]  # not C004 on top
    assert advice.verdict is Verdict.A_RETOUCHER
    assert advice.skeleton.startswith("Bonjour Marc-André,\n")
    assert advice.skeleton.endswith("\nAu plaisir,\nJade")


def test_the_skeleton_uses_the_meeting_when_given(context):
    draft = Draft("Marie-Ève Gagnon", "", meeting="le colloque Marketing 2026")
    model = advise(draft, context).skeleton
    assert model == (
        "Bonjour Marie-Ève,\nJ'ai bien apprécié notre échange (le colloque Marketing 2026) et "
        "j'aimerais poursuivre la conversation ici.\nAu plaisir,\nJade"
    )
    assert len(model) <= 200


def test_without_a_name_in_the_context_the_skeleton_leaves_a_blank():
    model = advise(Draft("Paul Roy", ""), Context.empty()).skeleton
    assert model.endswith("Au plaisir,\n[votre prénom]")
    assert "[Rappelez où vous vous êtes rencontrés" in model


@pytest.mark.parametrize(
    ("note", "words"),
    [
        (
            "Bonjour Marc-André, notre plateforme aide les entreprises à doubler leurs ventes. "
            "Réservez une démo gratuite cette semaine!",
            {"notre plateforme", "réservez"},
        ),
        (
            "Hi Marc-André, our agency helps brands grow your business. Book a call for a free "
            "trial.",
            {"our agency", "book a call", "free trial"},
        ),
    ],
)
def test_commercial_content_is_not_to_be_sent_and_names_its_words(note, words, context):
    advice = advise(Draft("Marc-André Gagnon", note), context)
    first = advice.findings[0]
    assert first.check.code == "C001" and advice.verdict is Verdict.A_NE_PAS_ENVOYER
    assert words <= set(first.words)
    assert "anti-pourriel" in first.check.title


def test_a_recipient_outside_the_real_network(context):
    note = FRIENDLY[0].replace("Marc-André", "Paul")
    advice = advise(Draft("Paul Roy", note, "https://www.linkedin.com/in/paul-roy"), context)
    assert [f.check.code for f in advice.findings] == ["C005"]
    assert (
        "« Paul Roy / https://www.linkedin.com/in/paul-roy » absent" in advice.findings[0].evidence
    )


def test_a_recipient_found_by_profile_address(context):
    note = FRIENDLY[0].replace("Marc-André", "Sophie")
    url = "linkedin.com/in/sophie-lavoie-mtl/"
    assert codes(note, context, "Sophie L.", url) == []


def test_no_network_in_the_context_is_said_not_guessed():
    advice = advise(Draft("Marc-André Gagnon", FRIENDLY[0]), Context.empty())
    assert [f.check.code for f in advice.findings] == ["C007"]
    assert advice.verdict is Verdict.PRETE  # information only


def test_a_note_over_linkedins_limit(context):
    long_note = FRIENDLY[0] + " " + "Je serais ravie d'en discuter autour d'un café. " * 6
    assert len(long_note.strip()) > 300
    advice = advise(Draft("Marc-André Gagnon", long_note), context)
    assert [f.check.code for f in advice.findings] == ["C006"]
    assert "plus que les 300 acceptés par LinkedIn" in advice.findings[0].evidence


def test_between_free_and_premium_limits_the_evidence_says_so(context):
    note = (FRIENDLY[0] + " Bonne fin de semaine !") * 1
    note = note + " " + "x" * (250 - len(note))
    advice = advise(Draft("Marc-André Gagnon", note), context)
    assert advice.findings == ()
    from tamis.invitations.extract import extract_facts

    facts = extract_facts(Draft("M", note).invitation(), context, ["note_trop_longue"], {})
    assert "plus que les 200 d'un compte gratuit" in facts.evidence["note_trop_longue"]


@pytest.mark.parametrize(
    "note",
    [
        "Bonjour Marc-André, nous avons travaillé ensemble chez Desjardins, au plaisir!",
        "Hi Marc-André, we worked together at Desjardins. Let's reconnect! Jade",
    ],
)
def test_a_shared_past_your_context_contradicts(note, context):
    advice = advise(Draft("Marc-André Gagnon", note), context)
    assert advice.findings[0].check.code == "C002"
    assert advice.verdict is Verdict.A_NE_PAS_ENVOYER
    assert "Desjardins" in advice.findings[0].evidence


def test_a_true_shared_past_is_fine(context):
    note = "Bonjour Marc-André, nous avons travaillé ensemble chez Ludis Media : au plaisir!"
    assert "C002" not in codes(note, context)


def test_every_finding_at_once(context):
    note = (
        "Bonjour, nous avons travaillé ensemble chez Desjardins. Notre plateforme double vos "
        "ventes : réservez une démo gratuite! " * 4
    )
    found = codes(note, context, "Paul Roy")  # « ensemble » gives context: no C004
    assert found == ["C001", "C002", "C005", "C006"]
    assert codes("Notre plateforme double vos ventes : réservez une démo!", context, "P") == [
        "C001",
        "C004",
        "C005",
    ]


def test_checks_have_distinct_codes_and_cite_a_guide():
    assert len({c.code for c in CHECKS}) == len(CHECKS)
    assert all(c.guide and c.suggestion and c.title for c in CHECKS)
