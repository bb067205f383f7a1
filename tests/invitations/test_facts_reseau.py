"""Network facts: connu and fausse_vedette."""

from __future__ import annotations

import pytest
from invitation_helpers import context, fact, sender

from tamis.invitations.context import Context, Network
from tamis.invitations.text import disguised


def test_connu_vrai_by_name_only_says_so_accents_and_case_ignored():
    value, evidence = fact("connu", expediteur=sender(nom="JULIE Tremblay", profil_url=...))
    assert value is True
    assert evidence == (
        "expediteur trouvé dans votre réseau par nom seulement « JULIE Tremblay » (tamis.toml) ;"
        " sans expediteur.profil_url, l'adresse de profil n'a pas pu être vérifiée"
    )


def test_connu_vrai_by_name_when_the_network_gives_no_address_for_it():
    url = "https://www.linkedin.com/in/julie-tremblay-42"
    value, evidence = fact("connu", expediteur=sender(nom="Julie Tremblay", profil_url=url))
    assert value is True
    assert evidence == (
        "expediteur trouvé dans votre réseau par nom seulement « Julie Tremblay » (tamis.toml) ;"
        " votre réseau ne donne pas son adresse de profil : elle n'a pas pu être vérifiée"
    )
    assert fact("homonyme_d_un_contact", expediteur=sender(nom="Julie Tremblay"))[0] is None


CLONE = {
    "nom": "Olivier Bouchard",
    "profil_url": "https://www.linkedin.com/in/olivier-bouchard-officiel",
}


def clone_context():
    """A network where Olivier Bouchard's entry carries his real profile address."""
    network = Network(
        names={"olivier bouchard": "Connections.csv:6"},
        urls={"linkedin.com/in/olivier-bouchard-42": "Connections.csv:6"},
        described=True,
        name_urls={
            "olivier bouchard": (("linkedin.com/in/olivier-bouchard-42", "Connections.csv:6"),)
        },
    )
    return context(network=network)


def test_a_namesake_with_another_profile_address_is_not_connu_but_homonyme():
    expected = (
        "expediteur « Olivier Bouchard » (https://www.linkedin.com/in/olivier-bouchard-officiel)"
        " : homonyme d'un contact de votre réseau (Connections.csv:6) dont l'adresse de profil"
        " diffère (linkedin.com/in/olivier-bouchard-42) : pas la même personne"
    )
    assert fact("connu", ctx=clone_context(), expediteur=sender(**CLONE)) == (False, expected)
    homonym = fact("homonyme_d_un_contact", ctx=clone_context(), expediteur=sender(**CLONE))
    assert homonym == (True, expected)


def test_the_real_contact_by_address_is_connu_and_not_an_homonym():
    real = {**CLONE, "profil_url": "https://ca.linkedin.com/in/olivier-bouchard-42/"}
    assert fact("connu", ctx=clone_context(), expediteur=sender(**real))[0] is True
    value, evidence = fact("homonyme_d_un_contact", ctx=clone_context(), expediteur=sender(**real))
    assert value is False
    assert evidence.startswith("expediteur trouvé dans votre réseau par adresse")


def test_homonyme_faux_for_a_name_nobody_in_the_network_has():
    value, evidence = fact("homonyme_d_un_contact", expediteur=sender())
    assert (value, evidence) == (
        False,
        "aucun contact de votre réseau ne s'appelle « Audrey Paquette »",
    )


def test_homonyme_inconnu_without_network_name_or_address_to_compare():
    ctx = clone_context()
    assert fact("homonyme_d_un_contact", ctx=Context.empty(), expediteur=sender(**CLONE)) == (
        None,
        "le contexte ne décrit pas votre réseau ([reseau] contacts ou fichiers)",
    )
    assert fact("homonyme_d_un_contact", ctx=ctx, expediteur={"titre": "Analyste"}) == (
        None,
        "expediteur.nom absent : aucun nom à comparer à ceux de votre réseau",
    )
    no_url = sender(nom="Olivier Bouchard", profil_url=...)
    value, evidence = fact("homonyme_d_un_contact", ctx=ctx, expediteur=no_url)
    assert value is None and "sans expediteur.profil_url" in evidence
    assert fact("connu", ctx=ctx, expediteur=no_url)[0] is True


def test_a_clone_of_a_known_star_is_a_fausse_vedette():
    value, _ = fact(
        "fausse_vedette", ctx=clone_context(), expediteur=sender(**CLONE, connexions=20000)
    )
    assert value is True


def test_connu_vrai_by_profile_address_whatever_its_form():
    url = "http://ca.linkedin.com/in/olivier-bouchard-42/?trk=abc"
    value, evidence = fact("connu", expediteur=sender(nom="O. B.", profil_url=url))
    assert value is True
    assert "Connections.csv:6" in evidence


def test_connu_faux_when_absent_from_a_described_network():
    value, evidence = fact("connu", expediteur=sender())
    assert value is False
    assert "absent de votre réseau" in evidence


def test_connu_inconnu_without_network_or_without_identity():
    assert fact("connu", ctx=Context.empty(), expediteur=sender())[0] is None
    assert fact("connu", expediteur={"titre": "Analyste"})[0] is None


def test_a_name_of_spaces_is_no_name():
    """« expediteur.nom = "   " » was looked up as a name: connu faux (« absent de votre
    réseau ») and homonyme faux, where nothing identifies the sender."""
    blank = {"nom": "   ", "titre": "Analyste"}
    assert fact("connu", expediteur=blank) == (
        None,
        "ni expediteur.nom ni expediteur.profil_url : impossible de chercher dans le réseau",
    )
    assert fact("homonyme_d_un_contact", expediteur=blank) == (
        None,
        "expediteur.nom absent : aucun nom à comparer à ceux de votre réseau",
    )
    url = "https://www.linkedin.com/in/olivier-bouchard-42"
    assert fact("connu", ctx=clone_context(), expediteur={"nom": "\t", "profil_url": url})[0]


def test_connu_for_an_outgoing_invitation_looks_up_the_recipient():
    recipient = {
        "nom": "Olivier Bouchard",
        "profil_url": "https://www.linkedin.com/in/olivier-bouchard-42",
    }
    value, evidence = fact("connu", sens="sortante", destinataire=recipient, expediteur=sender())
    assert value is True
    assert evidence.startswith("destinataire trouvé")
    assert fact("connu", sens="sortante", expediteur=sender())[0] is None


def test_fausse_vedette_vrai_for_an_unknown_with_many_connections():
    value, evidence = fact("fausse_vedette", expediteur=sender(connexions=25000))
    assert value is True
    assert evidence == (
        "expediteur.connexions (25\u202f000) > vedette_min (10\u202f000) et connu est faux"
    )


def test_fausse_vedette_faux_for_a_known_star_or_few_connections():
    assert (
        fact("fausse_vedette", expediteur=sender(nom="Julie Tremblay", connexions=25000))[0]
        is False
    )
    assert fact("fausse_vedette", expediteur=sender(connexions=10000)) == (
        False,
        "expediteur.connexions (10\u202f000) ≤ vedette_min (10\u202f000)",
    )


def test_fausse_vedette_inconnu_when_count_or_acquaintance_unknown():
    assert fact("fausse_vedette", expediteur=sender(connexions=...))[0] is None
    assert fact("fausse_vedette", ctx=Context.empty(), expediteur=sender(connexions=20000)) == (
        None,
        "expediteur.connexions (20\u202f000) > vedette_min (10\u202f000), connu inconnu",
    )


def test_fausse_vedette_reads_vedette_min():
    parameters = {"vedette_min": 1000}
    assert (
        fact("fausse_vedette", parameters=parameters, expediteur=sender(connexions=2000))[0] is True
    )


def test_context_without_domains_is_still_usable_for_connu():
    ctx = context(domaines=())
    assert fact("connu", ctx=ctx, expediteur=sender(nom="Julie Tremblay"))[0] is True


@pytest.mark.parametrize("hidden", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e"])
def test_an_invisible_character_inside_a_contacts_name_does_not_hide_the_clone(hidden):
    """« Olivier Bou<U+200B>chard » shows as « Olivier Bouchard », but the zero-width space
    used to split the name in two words: the clone met no contact (« aucun contact de votre
    réseau ne s'appelle … ») and homonyme_d_un_contact was faux."""
    clone = {**CLONE, "nom": f"Olivier Bou{hidden}chard"}
    assert fact("homonyme_d_un_contact", ctx=clone_context(), expediteur=sender(**clone))[0]
    assert fact("connu", ctx=clone_context(), expediteur=sender(**clone))[0] is False


def test_a_name_of_invisible_characters_is_no_name():
    unseen = sender(nom="\u200b \u200d", profil_url=...)
    assert fact("connu", ctx=clone_context(), expediteur=unseen)[0] is None
    assert fact("homonyme_d_un_contact", ctx=clone_context(), expediteur=unseen) == (
        None,
        "expediteur.nom absent : aucun nom à comparer à ceux de votre réseau",
    )


@pytest.mark.parametrize(
    "lookalike",
    [
        "Olivier Bоuchard",
        "Оlivier Bouchard",
        "Olivier Bouсhard",
        "Olivier Bouchαrd",
        "OLIVIER BOUCHАRD",
    ],
)
def test_a_clone_written_with_cyrillic_or_greek_lookalikes_is_still_an_homonym(lookalike):
    """« Bоuchard » with a Cyrillic о (U+043E) shows as « Bouchard »: the clone met no
    contact, and homonyme_d_un_contact was faux."""
    assert lookalike != CLONE["nom"].upper() and lookalike != CLONE["nom"]
    clone = {**CLONE, "nom": lookalike}
    assert fact("homonyme_d_un_contact", ctx=clone_context(), expediteur=sender(**clone))[0]


def name_only_context():
    """A network that knows Olivier Bouchard by his name only (no profile address)."""
    network = Network(names={"olivier bouchard": "tamis.toml"}, described=True)
    return context(network=network)


def test_a_contact_known_by_name_only_is_not_connu_through_an_imitated_name():
    """With the lookalikes read as Latin, « Olivier Bоuchard » (Cyrillic о) met the contact
    known by name only, and connu would have been vrai: nobody writes their own name so."""
    plain = sender(nom="Olivier Bouchard", profil_url="https://linkedin.com/in/x")
    assert fact("connu", ctx=name_only_context(), expediteur=plain)[0] is True
    expected = (
        "expediteur « Olivier Bоuchard » : porte le nom d'un contact de votre réseau "
        "(tamis.toml), mais son nom imite celui du contact avec des caractères invisibles ou des"
        " lettres d'un autre alphabet dessinées comme des lettres latines : pas la même personne"
    )
    for name in ("Olivier Bоuchard", "Olivier Bou\u200bchard"):
        imitation = sender(nom=name, profil_url="https://linkedin.com/in/x")
        value, evidence = fact("connu", ctx=name_only_context(), expediteur=imitation)
        assert value is False
        assert evidence == expected.replace("Olivier Bоuchard", name)
        homonym = fact("homonyme_d_un_contact", ctx=name_only_context(), expediteur=imitation)
        assert homonym == (True, evidence)


def test_the_clone_evidence_says_the_name_is_imitated():
    clone = {**CLONE, "nom": "Olivier Bоuchard"}
    evidence = fact("homonyme_d_un_contact", ctx=clone_context(), expediteur=sender(**clone))[1]
    assert evidence.endswith(
        "pas la même personne ; son nom imite celui du contact avec des caractères invisibles ou"
        " des lettres d'un autre alphabet dessinées comme des lettres latines"
    )
    plain = fact("homonyme_d_un_contact", ctx=clone_context(), expediteur=sender(**CLONE))[1]
    assert plain.endswith("pas la même personne")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Olivier Bоuchard", True),  # Latin with a Cyrillic о
        ("Bou\u200bchard", True),  # a zero-width space
        ("Ольга Иванова", False),  # wholly Cyrillic: a Russian name, not an imitation
        ("Αλέξανδρος", False),  # wholly Greek
        ("Zoé Côté", False),
    ],
)
def test_disguised_names(name, expected):
    assert disguised(name) is expected
