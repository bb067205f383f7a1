"""Built-in facts, one module per family of criteria; each registers itself in the registry.

Importing this package registers them all: ``profil`` (photo, company profile, completeness,
connections, recommendations), ``reseau`` (known, namesake of a contact, false pop star),
``message`` (default note, personalised note), ``commercial`` (sales pitch, CASL commercial
message, score), ``mensonge`` (a claimed shared past that the context contradicts),
``pertinence`` (relevance to the user's domains) and ``envoi`` (a note you are about to send:
its length).
"""

from tamis.invitations.facts import (
    commercial,
    envoi,
    mensonge,
    message,
    pertinence,
    profil,
    reseau,
)

__all__ = ["commercial", "envoi", "mensonge", "message", "pertinence", "profil", "reseau"]
