"""The invitation fields policies may read (``expediteur.connexions``), as registry getters.

Between the model and the engine: each getter maps the validated ``Invitation`` to the value
a policy sees. Absent means ``None`` (*inconnu*); lists become tuples; ``expediteur.photo`` is
a boolean (a known default-avatar address counts as no photo).
"""

from __future__ import annotations

from tamis.grammar.vocabulary import Value
from tamis.invitations.models import Invitation
from tamis.invitations.photo import has_photo
from tamis.invitations.registry import field


def _tuple(items: list[str] | None) -> tuple[str, ...] | None:
    return tuple(items) if items is not None else None


_PLAIN = {
    "id": lambda inv: inv.id,
    "recue_le": lambda inv: inv.recue_le_iso(),
    "sens": lambda inv: inv.sens,
    "message": lambda inv: inv.message,
    "inmail": lambda inv: inv.inmail,
    "relation_declaree": lambda inv: inv.relation_declaree,
    "expediteur.photo": lambda inv: has_photo(inv.expediteur.photo)[0],
    "expediteur.entreprises": lambda inv: inv.expediteur.employers(),
    "expediteur.formation": lambda inv: inv.expediteur.schools(),
    "expediteur.centres_interet": lambda inv: _tuple(inv.expediteur.centres_interet),
    "expediteur.competences": lambda inv: _tuple(inv.expediteur.competences),
}
_SENDER = (
    "nom", "profil_url", "titre", "entreprise", "poste", "secteur", "localisation",
    "connexions", "recommandations", "relations_communes", "type",
)  # fmt: skip


def _sender_attribute(attribute: str):
    def get(invitation: Invitation) -> Value:
        return getattr(invitation.expediteur, attribute)

    return get


def register_all() -> None:
    """Register every field getter (idempotent)."""
    for name, getter in _PLAIN.items():
        field(name)(getter)
    for attribute in _SENDER:
        field(f"expediteur.{attribute}")(_sender_attribute(attribute))


register_all()
