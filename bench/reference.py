"""The hand-written reference of ``bench/bout_en_bout.py``: ``tamis decider`` done by hand.

What a programmer would write to triage invitations with ``policies/blogue.tamis`` without
tamis's machinery, as directly as Python allows: each line read with orjson, the facts the
policy reads computed inline on the raw dict (no validation model, no registry), the policy
as ``baseline.decide``'s if/elif chain, one orjson journal line per decision chained by
SHA-256 to the previous one, ``fdatasync`` every 1,000 lines, one stdout line per decision.

It reuses the domain's text algorithms — stock notes (``find_default``), sales-pitch lexicons
(``analyse``), claims of a shared past (``find_claims``), stems and organisation names, the
network lookup of the context — because the benchmark measures the pipeline around the
facts, not a second copy of them. ``tests/bench/test_bout_en_bout.py`` checks that it decides
exactly as ``tamis decider`` on the benchmark's invitations.

``python bench/reference.py INVITATIONS.jsonl --journal J.jsonl [--contexte tamis.toml]``
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline

from tamis.invitations.context import Context, MatchKind, load_context
from tamis.invitations.facts.commercial import analyse
from tamis.invitations.facts.mensonge import find_claims
from tamis.invitations.facts.message import find_default
from tamis.invitations.models import OUTGOING  # loaded by context already: nothing more to import
from tamis.invitations.photo import is_default_avatar
from tamis.invitations.text import fold, related_name, stems

SYNC_EVERY = 1000
MOTIFS = {  # blogue.tamis's motifs, by rule
    "mensonge": "Il ne sert absolument à rien de mentir : nous n'avons pas ce passé commun.",
    "pitch de vente": "Vous voulez vous connecter à mon réseau ou me vendre quelque chose?",
    "déjà connu": "Nous nous connaissons déjà.",
    "photo": "Pas de photo de vous : je me connecte à des gens, pas à des entités.",
    "profil incomplet": (
        "Je ne sais ni où vous travaillez, ni ce que vous avez étudié, ni ce qui vous intéresse."
    ),
    "peu établi": "Très peu de connexions et aucune recommandation.",
    "message par défaut": (
        "Le message par défaut : dix secondes suffisent pour une touche personnelle."
    ),
    "fausse vedette": (
        "Plus de 10 000 connexions sans que je vous connaisse : pas envie d'être une groupie."
    ),
    "pertinent": "Votre profil est relié à mon domaine d'expertise.",
    "hors domaine": "Votre profil n'a pas de lien avec mon domaine d'expertise.",
}
LEGAL_FORM = re.compile(
    r"\b(inc|ltee|ltd|llc|corp|corporation|sarl|sas|gmbh|s\.?a|s\.?e\.?n\.?c|enr|limitee|limited)"
    r"\.?$",
    re.IGNORECASE,
)
NAME = r"([A-ZÀ-Ý0-9][\w&'’.-]*(?:\s+(?:de\s+|du\s+|des\s+|d'|à\s+)?[A-ZÀ-Ý0-9][\w&'’.-]*){0,4})"
AT_EMPLOYER = re.compile(r"\b(?:chez|at|au sein de|pour)\s+(?:l'|la\s+|le\s+|les\s+)?" + NAME)
AT_SCHOOL = re.compile(r"\b(?:à|a|au|at|de|from)\s+(?:l'|la\s+|le\s+|the\s+)?" + NAME)
SCHOOL_WORDS = re.compile(
    r"universit|école|ecole|college|collège|cégep|cegep|institut|polytechnique|hec\b|school", re.I
)
ACRONYM = re.compile(r"[A-ZÉ]{2,}")


def employers(sender: dict[str, Any]) -> tuple[str, ...] | None:
    entreprise, experiences = sender.get("entreprise"), sender.get("experiences")
    if entreprise is None and experiences is None:
        return None
    names = [entreprise, *(e.get("entreprise") for e in experiences or ())]
    return tuple(dict.fromkeys(n for n in names if n))


def schools(sender: dict[str, Any]) -> tuple[str, ...] | None:
    formation = sender.get("formation")
    if formation is None:
        return None
    names = (f if isinstance(f, str) else f.get("ecole") for f in formation)
    return tuple(n for n in names if n)


def shared(named: list[str], theirs: tuple[str, ...] | None, mine: tuple[str, ...]) -> Any:
    """Whether a claimed shared employer or school is contradicted (None: cannot tell)."""
    if not mine:
        return None
    for name in named:
        if not any(related_name(name, m) for m in mine):
            return True
    if named:
        return False
    if theirs is None:
        return None
    return not any(related_name(t, m) for t in theirs for m in mine)


def facts_of(raw: dict[str, Any], context: Context, p: dict[str, Any]) -> dict[str, Any]:
    """The twelve base facts blogue.tamis reads, as tamis's built-in facts define them."""
    sender = raw.get("expediteur") or {}
    message = "" if "message" in raw and raw["message"] is None else raw.get("message")
    inmail = "" if "inmail" in raw and raw["inmail"] is None else raw.get("inmail")
    connu, homonym = network_facts(raw, sender, context)
    theirs = employers(sender), schools(sender)
    connexions, recommandations = sender.get("connexions"), sender.get("recommandations")
    return {
        "connu": connu,
        "homonyme_d_un_contact": homonym,
        "fausse_vedette": vedette(connexions, connu, p["vedette_min"]),
        "mensonge": lie(raw, message, connu, theirs, context),
        "message_par_defaut": default_note(message),
        "pertinent": relevant(sender, theirs[0], context),
        "peu_de_connexions": None if connexions is None else connexions < p["connexions_min"],
        "pitch_de_vente": pitch(message, inmail, p["seuil_commercial"]),
        "profil_entreprise": company(sender),
        "profil_incomplet": incomplete(sender, theirs[1], p["sections_manquantes_min"]),
        "sans_photo": no_photo(sender.get("photo")),
        "sans_recommandations": None if recommandations is None else recommandations == 0,
    }


def network_facts(
    raw: dict[str, Any], sender: dict[str, Any], context: Context
) -> tuple[bool | None, bool | None]:
    """``connu`` and ``homonyme_d_un_contact``, from one look-up in the network."""
    nom, url = sender.get("nom"), sender.get("profil_url")
    if raw.get("sens") == OUTGOING:
        other = raw.get("destinataire") or {}
        nom, url = other.get("nom"), other.get("profil_url")
    if not context.network.described or (not nom and not url):
        return None, None
    match = context.network.lookup(nom, url)
    kind = match.kind if match is not None else None
    connu = kind is MatchKind.ADRESSE or kind is MatchKind.NOM_SEUL
    if not nom:  # no name to compare: a namesake cannot be told
        return connu, None
    homonym = {None: False, MatchKind.ADRESSE: False, MatchKind.HOMONYME: True}
    return connu, homonym.get(kind)


def no_photo(photo: Any) -> bool | None:
    if photo is None:
        return None
    if photo is True or photo is False:
        return not photo
    return is_default_avatar(photo)


def company(sender: dict[str, Any]) -> bool | None:
    kind, url, name = sender.get("type"), sender.get("profil_url"), sender.get("nom")
    if kind is not None:
        return kind == "entreprise"
    if (url and "/company/" in url) or (name and LEGAL_FORM.search(fold(name).strip())):
        return True
    return None


def incomplete(sender: dict[str, Any], theirs: tuple[str, ...] | None, needed: int) -> Any:
    experiences = sender.get("experiences")
    current = any(e.get("entreprise") and e.get("fin") is None for e in experiences or ())
    if sender.get("entreprise") or current:
        work = True
    else:
        declared = sender.get("entreprise") is not None or experiences is not None
        work = False if declared else None
    studies = None if theirs is None else bool(theirs)
    interests = sender.get("centres_interet")
    if interests or sender.get("competences"):
        interests = True
    else:
        interests = None if interests is None else False
    states = (work, studies, interests)
    missing, unknown = states.count(False), states.count(None)
    if missing >= needed:
        return True
    return False if missing + unknown < needed else None


def default_note(message: str | None) -> bool | None:
    if message is None:
        return None
    return not message.strip() or find_default(message) is not None


def vedette(connexions: int | None, connu: bool | None, limit: int) -> bool | None:
    if (connexions is not None and connexions <= limit) or connu:
        return False
    if connexions is None or connu is None:
        return None
    return True


def pitch(message: str | None, inmail: str | None, threshold: float) -> bool | None:
    texts = ((message, "message"), (inmail, "inmail"))
    if any(
        (a := analyse(text, source)).score >= threshold and a.sells
        for text, source in texts
        if text is not None
    ):
        return True
    return None if message is None else False


def relevant(sender: dict[str, Any], theirs: tuple[str, ...] | None, context: Context) -> Any:
    if not context.domaines:
        return None
    fields = ("titre", "poste", "secteur", "competences", "centres_interet")
    texts = [sender.get(f) for f in fields[:3]]
    texts += [*(sender.get("competences") or ()), *(sender.get("centres_interet") or ())]
    wanted = [stems(d) for d in context.domaines]
    for text in [*texts, *(theirs or ())]:
        if text is not None and any(w and w <= stems(text) for w in wanted):
            return True
    if any(related_name(e, mine) for e in theirs or () for mine in context.entreprises):
        return True
    read = any(sender.get(f) is not None for f in fields) or theirs is not None
    return False if read else None


def lie(raw: dict[str, Any], message: str | None, connu: bool | None, theirs, context) -> Any:
    relation = raw.get("relation_declaree")
    claims = find_claims(message, "message") if message else ()
    claims += find_claims(relation, "relation_declaree") if relation else ()
    verdicts = set()
    for claim in claims:
        if claim.kind == "collègues":
            named = [m.strip(" .'’") for m in AT_EMPLOYER.findall(claim.sentence)]
            verdicts.add(shared(named, theirs[0], context.entreprises))
        elif claim.kind == "études":
            found = AT_SCHOOL.findall(claim.sentence)
            named = [m.strip(" .'’") for m in found if is_school(m)]
            verdicts.add(shared(named, theirs[1], context.ecoles))
        else:
            verdicts.add(False if connu else None)
    if True in verdicts:
        return True
    return None if message is None or None in verdicts else False


def is_school(name: str) -> bool:
    return bool(SCHOOL_WORDS.search(name) or ACRONYM.fullmatch(name.split()[0]))


def run(path: str, journal: str, context_path: str) -> int:
    """Decide every line of ``path``, journal it, print it; returns the number decided."""
    context = load_context(context_path)
    p = {
        "connexions_min": 50,
        "vedette_min": 10000,
        "sections_manquantes_min": 2,
        "seuil_commercial": 0.5,
        **context.parameters,
    }
    fd = os.open(journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    previous, count, out = "0" * 64, 0, sys.stdout.buffer
    with open(path, "rb") as lines:
        for line in lines:
            raw = orjson.loads(line)
            facts = facts_of(raw, context, p)
            action, rule = baseline.decide(facts)
            motif = MOTIFS.get(rule)
            record = {
                "seq": count,
                "precedente": previous,
                "id": raw["id"],
                "decision": action,
                "regle": rule,
                "motif": motif,
                "faits": facts,
                "invitation": raw,
            }
            body = orjson.dumps(record)
            previous = hashlib.sha256(body).hexdigest()
            os.write(fd, body[:-1] + b',"empreinte":"' + previous.encode() + b'"}\n')
            count += 1
            if count % SYNC_EVERY == 0:
                os.fdatasync(fd)
            shown = {"id": raw["id"], "decision": action, "regle": rule, "motif": motif}
            out.write(orjson.dumps(shown) + b"\n")
    os.fdatasync(fd)
    os.close(fd)
    return count


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Pipeline de référence écrit à la main.")
    parser.add_argument("invitations")
    parser.add_argument("--journal", required=True)
    parser.add_argument("--contexte", default=str(files("tamis.policies.exemples") / "tamis.toml"))
    args = parser.parse_args(argv)
    count = run(args.invitations, args.journal, args.contexte)
    print(f"{count} invitation(s) décidée(s).", file=sys.stderr)


if __name__ == "__main__":
    main()
