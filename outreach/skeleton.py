"""A personalised note to start from, in the style of the chamber of commerce's good example.

The sheet's example: « Bonjour M. XYZ / Mon équipe est très heureuse de cette première
rencontre avec vous et nous sommes enthousiastes à collaborer au projet ABC. Au plaisir. /
Sébastien » — a greeting by name, the context of the meeting or the reason for the request,
a short closing, a signature. What the context does not know stays a bracketed blank for the
user to fill in; the note always fits LinkedIn's 200 characters of a free account when the
blanks are filled briefly.
"""

from __future__ import annotations

BLANK_CONTEXT = "[Rappelez où vous vous êtes rencontrés, ou dites pourquoi vous écrivez.]"
BLANK_SIGNATURE = "[votre prénom]"


def skeleton(recipient: str, me: str | None, meeting: str | None) -> str:
    """The note: « Bonjour Prénom, », a context sentence, « Au plaisir, », your first name."""
    greeting = f"Bonjour {first_name(recipient)}," if recipient.strip() else "Bonjour,"
    if meeting and meeting.strip():
        context = (
            f"J'ai bien apprécié notre échange ({meeting.strip()}) et j'aimerais"
            " poursuivre la conversation ici."
        )
    else:
        context = f"{BLANK_CONTEXT} J'aimerais rester en contact."
    signature = first_name(me) if me and me.strip() else BLANK_SIGNATURE
    return f"{greeting}\n{context}\nAu plaisir,\n{signature}"


def first_name(full_name: str) -> str:
    """« Marie-Ève Gagnon » -> « Marie-Ève »: the first word, hyphenated names kept whole."""
    return full_name.split()[0]
