"""Shared builders for the tests of tamis.invitations (imported by the test modules)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tamis.invitations.context import Context, Network, load_context
from tamis.invitations.extract import extract_facts
from tamis.invitations.models import Invitation
from tamis.invitations.validation import invitation_from

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "policies" / "exemples"

FULL_PROFILE: dict[str, Any] = {
    "nom": "Audrey Paquette",
    "profil_url": "https://www.linkedin.com/in/audrey-paquette",
    "photo": "https://media.licdn.com/dms/image/v2/D4E03AQ/profile-displayphoto/0/17",
    "titre": "Responsable de la fidélisation client",
    "entreprise": "Metro",
    "formation": ["Université Laval"],
    "centres_interet": ["lecture"],
    "connexions": 480,
    "recommandations": 3,
    "type": "personne",
}


def example_context() -> Context:
    return load_context(EXAMPLES / "tamis.toml")


def context(**changes: Any) -> Context:
    """A small context: Jade's, with an in-memory network unless ``network`` is given."""
    base = Context(
        nom="Jade Bérubé Morin",
        domaines=("marketing", "médias sociaux", "contenu"),
        entreprises=("Ludis Media", "Agence Cible"),
        ecoles=("UQAM",),
        network=Network(
            names={"julie tremblay": "tamis.toml"},
            urls={"linkedin.com/in/olivier-bouchard-42": "Connections.csv:6"},
            described=True,
        ),
    )
    return Context(**{**base.__dict__, **changes})


def invitation(**fields: Any) -> Invitation:
    return invitation_from({"id": "t-1", **fields})


def fact(name: str, ctx: Context | None = None, parameters: dict | None = None, **fields: Any):
    """(value, evidence) of one built-in fact for an invitation built from ``fields``."""
    facts = extract_facts(invitation(**fields), ctx or context(), [name], parameters or {})
    return facts.values[name], facts.evidence.get(name, "")


def sender(**changes: Any) -> dict[str, Any]:
    """A complete profile with ``changes`` applied (a value of ``...`` removes the key)."""
    merged = {**FULL_PROFILE, **changes}
    return {k: v for k, v in merged.items() if v is not ...}
