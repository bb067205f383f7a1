"""Note facts: message_par_defaut, message_personnalise, pitch_de_vente, message_commercial and
message.score_commercial — with the tricky texts of the guides."""

# ruff: noqa: E501 - expected French messages and sample texts stay on one line, as users see them

from __future__ import annotations

import pytest
from invitation_helpers import fact

from tamis.invitations.facts.message import DEFAULT_NOTES

GUIDE_DEFAULT = "Je vous invite à faire partie de mon réseau professionnel sur LinkedIn. Sébastien"
GUIDE_PERSONAL = (
    "Bonjour M. XYZ\nMon équipe est très heureuse de cette première rencontre avec vous et nous "
    "sommes enthousiastes à collaborer au projet ABC. Au plaisir.\nSébastien"
)
PRODUCT_MENTION = (
    "Bonjour Jade, j'ai lu votre billet sur les consommateurs loyaux. Chez nous, on utilise un "
    "produit de CRM et vos idées m'ont fait réfléchir. Au plaisir d'échanger!"
)
PITCH_FR = (
    "Bonjour Jade, notre agence aide les PME à générer des leads grâce à notre plateforme. "
    "Réservez un appel de 15 minutes : calendly.com/leadboost"
)
PITCH_EN = "Hi Jade, our platform helps brands boost your sales. Book a call for a free trial!"
INVESTMENT = "Je vous présente une opportunité d'investissement : un revenu passif garanti."


@pytest.mark.parametrize(
    "note",
    [
        GUIDE_DEFAULT,
        "je vous invite a faire partie de mon reseau professionnel sur linkedin",
        "JE VOUS INVITE À FAIRE PARTIE DE MON RÉSEAU PROFESSIONNEL SUR LINKEDIN !!",
        "  Je vous invite à faire   partie de mon réseau professionnel sur LinkedIn.\n\n— Sébastien Tremblay",
        "I'd like to add you to my professional network on LinkedIn.",
        "I’d like to add you to my professional network on LinkedIn.\n- John",
        "Hi Jade, I'd like to join your LinkedIn network.",
        "Bonjour Jade, je vous invite à faire partie de mon réseau professionnel sur LinkedIn. "
        "Cordialement, Pierre Gagné",
        *DEFAULT_NOTES,
        "",
        "   ",
        None,
    ],
)
def test_message_par_defaut_vrai(note):
    value, evidence = fact("message_par_defaut", message=note)
    assert value is True, evidence


def test_message_par_defaut_evidence_names_the_stock_text_and_signature():
    evidence = fact("message_par_defaut", message=GUIDE_DEFAULT)[1]
    assert "texte par défaut de LinkedIn « Je vous invite" in evidence
    assert "signature « Sébastien »" in evidence


@pytest.mark.parametrize(
    "note",
    [
        GUIDE_PERSONAL,
        # the stock text followed by a real line is personalised (« une seule ligne » suffit)
        "Je vous invite à faire partie de mon réseau professionnel sur LinkedIn. Nous nous sommes "
        "croisés au congrès Infopresse et j'ai adoré votre présentation.",
        "Bonjour Jade, au plaisir!",
        "Quel plaisir de vous lire, I'd like to add you to my professional network on LinkedIn "
        "after your talk yesterday at the Montréal marketing summit.",
    ],
)
def test_message_par_defaut_faux_for_a_written_note(note):
    assert fact("message_par_defaut", message=note)[0] is False


def test_message_par_defaut_inconnu_when_the_note_is_unknown():
    value, evidence = fact("message_par_defaut")
    assert value is None
    assert evidence.startswith("message absent")


@pytest.mark.parametrize(
    "note",
    [
        GUIDE_PERSONAL,
        PRODUCT_MENTION,
        "Hi Jade, we met at the Content Marketing World panel last fall, I loved your talk!",
        "Bonjour Jade! Great meeting you au congrès Infopresse. J'aimerais échanger.",
    ],
)
def test_message_personnalise_vrai_when_the_note_gives_context(note):
    value, evidence = fact("message_personnalise", message=note)
    assert value is True
    assert evidence.startswith("la note donne un contexte")


@pytest.mark.parametrize("note", [GUIDE_DEFAULT, "", "Let's connect!", "Bonjour, au plaisir."])
def test_message_personnalise_faux_without_context(note):
    assert fact("message_personnalise", message=note)[0] is False


def test_message_personnalise_inconnu_when_the_note_is_unknown():
    assert fact("message_personnalise", inmail="Bonjour")[0] is None


@pytest.mark.parametrize(
    ("fields", "pitch", "commercial"),
    [
        ({"message": "", "inmail": PITCH_FR}, True, True),
        ({"message": PITCH_EN}, True, True),
        ({"message": INVESTMENT}, False, True),
        ({"message": PRODUCT_MENTION}, False, False),
        ({"message": GUIDE_PERSONAL, "inmail": ""}, False, False),
        ({"message": GUIDE_DEFAULT}, False, False),
        ({"inmail": PITCH_FR}, True, True),  # the note is unknown but the InMail sells
        ({"inmail": "Bonjour Jade"}, None, None),
        ({}, None, None),
    ],
)
def test_pitch_de_vente_and_message_commercial(fields, pitch, commercial):
    assert fact("pitch_de_vente", **fields)[0] is pitch
    assert fact("message_commercial", **fields)[0] is commercial


def test_score_is_exposed_and_a_product_mention_scores_low():
    assert fact("message.score_commercial", message=PRODUCT_MENTION)[0] < 0.3
    score, evidence = fact("message.score_commercial", message="", inmail=PITCH_FR)
    assert score > 0.9
    assert evidence.startswith("inmail score")
    assert (
        "offre : notre plateforme, notre agence ; appel : réservez, appel de 15 minutes" in evidence
    )
    assert fact("message.score_commercial")[0] is None


def test_seuil_commercial_is_read():
    low = {"seuil_commercial": 0.05}
    assert fact("message_commercial", parameters=low, message=PRODUCT_MENTION)[0] is True
    high = {"seuil_commercial": 0.99}
    assert fact("pitch_de_vente", parameters=high, message=PITCH_EN)[0] is False


def test_commercial_evidence_names_texts_cues_and_threshold():
    evidence = fact("message_commercial", message=PITCH_EN)[1]
    assert evidence.startswith("message score 0,88 (offre : our platform ; appel : book a call ;")
    assert evidence.endswith(") ; seuil_commercial = 0,5")


@pytest.mark.parametrize("written", ["démo", "demo", "DÉMO"])
def test_a_cue_is_quoted_in_french_whichever_way_it_is_written(written):
    evidence = fact("pitch_de_vente", message=f"Réservez une {written} de nos services!")[1]
    assert "appel : démo, réservez ;" in evidence, evidence


def test_zero_width_spaces_inside_words_do_not_hide_a_pitch():
    """A spammer's « plat<U+200B>form », « Bo<U+200B>ok a call »: the lexicons met none."""
    hidden = PITCH_EN.replace("form", "\u200bform").replace("ok a", "o\u200bk a")
    hidden = hidden.replace("free", "fr\u200bee").replace("sales", "sa\u00adles")
    assert fact("pitch_de_vente", message=hidden)[0] is True
    assert (
        fact("message.score_commercial", message=hidden)[0]
        == fact("message.score_commercial", message=PITCH_EN)[0]
    )
