"""Built-in facts, one module per family of criteria; each registers itself in the registry.

Importing this package registers them all: ``profil`` (photo, company profile, completeness,
connections, recommendations), ``reseau`` (known, namesake of a contact, false pop star),
``message`` (default note, personalised note), ``commercial`` (sales pitch, CASL commercial
message, score), ``mensonge`` (a claimed shared past that the context contradicts) and
``pertinence`` (relevance to the user's domains).
"""

from tamis.invitations.facts import commercial, mensonge, message, pertinence, profil, reseau

__all__ = ["commercial", "mensonge", "message", "pertinence", "profil", "reseau"]
