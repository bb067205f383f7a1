"""Network facts: connu and fausse_vedette."""

from __future__ import annotations

from invitation_helpers import context, fact, sender

from tamis.invitations.context import Context


def test_connu_vrai_by_name_accents_and_case_ignored():
    value, evidence = fact("connu", expediteur=sender(nom="JULIE Tremblay", profil_url=...))
    assert value is True
    assert "nom « JULIE Tremblay »" in evidence and "tamis.toml" in evidence


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
    assert evidence == "expediteur.connexions = 25000 > vedette_min = 10000 et connu est faux"


def test_fausse_vedette_faux_for_a_known_star_or_few_connections():
    assert (
        fact("fausse_vedette", expediteur=sender(nom="Julie Tremblay", connexions=25000))[0]
        is False
    )
    assert fact("fausse_vedette", expediteur=sender(connexions=10000))[0] is False


def test_fausse_vedette_inconnu_when_count_or_acquaintance_unknown():
    assert fact("fausse_vedette", expediteur=sender(connexions=...))[0] is None
    assert (
        fact("fausse_vedette", ctx=Context.empty(), expediteur=sender(connexions=20000))[0] is None
    )


def test_fausse_vedette_reads_vedette_min():
    parameters = {"vedette_min": 1000}
    assert (
        fact("fausse_vedette", parameters=parameters, expediteur=sender(connexions=2000))[0] is True
    )


def test_context_without_domains_is_still_usable_for_connu():
    ctx = context(domaines=())
    assert fact("connu", ctx=ctx, expediteur=sender(nom="Julie Tremblay"))[0] is True
