"""The French text of ``pourquoi``: one decision explained, from what ``why.explanation`` gives.

Sits at the end of ``tamis journal pourquoi`` (journal -> ``audit.why`` data -> **these
lines**); ``--format json`` prints that data instead. Every line goes through
``human.safe`` (an invitation's name or message cannot drive the terminal), times are shown
in the local zone unless ``utc``, numbers the French way (``0,5``, ``10 000``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tamis.cli import human
from tamis.invitations.models import OUTGOING


def explanation_lines(data: dict[str, Any], *, utc: bool = False) -> Iterator[str]:
    """The French text of ``pourquoi`` for one decision, every line safe for a terminal."""
    for line in _lines(data, utc):
        yield human.safe(line)


def _lines(data: dict[str, Any], utc: bool) -> Iterator[str]:
    yield from _header(data, utc)
    yield from _rule_source(data)
    yield from _explanation(data, utc)
    yield from _conditions(data)
    derived = (f"  {n} = {human.value(v)}" for n, v in data["faits_derives"].items())
    yield from _section("Faits dérivés :", derived)
    others = (
        f"  « {r['regle']} » ({r['decision']}, ligne {r['ligne']}) : {r['raison']}."
        for r in data["autres_regles"]
    )
    yield from _section("Autres règles vraies, écartées :", others)
    unknown = (
        f"  « {r['regle']} » ({r['decision']}, ligne {r['ligne']})" for r in data["inconnues"]
    )
    yield from _section("Règles restées inconnues (données manquantes) :", unknown)
    values = " ; ".join(f"{k} = {human.value(v)}" for k, v in data["parametres"].items())
    yield f"Paramètres : {values or 'aucun'}"


def _explanation(data: dict[str, Any], utc: bool) -> Iterator[str]:
    erased = data.get("effacement")
    if erased is None:
        yield f"Explication : {data['explication']}"
        return
    moment = erased["le"]
    yield (
        f"Données personnelles effacées le {human.when(moment, utc=utc)} "
        f"{human.zone(moment, utc=utc)} ({erased['motif']}) : l'invitation, l'explication et "
        f"les valeurs qui la citaient ne sont plus au journal (effacement n° {erased['seq']})."
    )


def _header(data: dict[str, Any], utc: bool) -> Iterator[str]:
    policy, moment = data["politique"], data["horodatage"]
    when = f"{human.when(moment, utc=utc)} {human.zone(moment, utc=utc)}"
    yield f"Invitation {data['id']} — enregistrement n° {data['seq']} du {when}"
    if data.get("sens") == OUTGOING:
        yield _recipient(data.get("destinataire") or {})
    yield from _sender(data["expediteur"])
    yield f"Décision : {data['decision']}"
    rule = "sinon (aucune règle vraie)" if data["regle"] == "sinon" else f"« {data['regle']} »"
    where = f", ligne {data['ligne']}" if data["ligne"] else ""
    name = policy.get("nom") or policy["chemin"]
    yield f"Règle : {rule}{where}"
    yield f"Politique : « {name} » ({policy['chemin']}, sha256 {policy['sha256'][:12]}…)"
    if data["motif"]:
        yield f"Motif : {data['motif']}"


def _sender(sender: dict[str, Any]) -> Iterator[str]:
    if sender.get("nom") or sender.get("profil_url"):
        yield f"Expéditeur : {_named(sender)}"


def _recipient(recipient: dict[str, Any]) -> str:
    """The first line about a request to send: whom it goes to (its sender is the user)."""
    named = _named(recipient) or "destinataire inconnu"
    return f"Demande à envoyer, destinataire : {named}"


def _named(person: dict[str, Any]) -> str:
    name, url = person.get("nom"), person.get("profil_url")
    return f"{name} ({url})" if name and url else str(name or url or "")


def _rule_source(data: dict[str, Any]) -> Iterator[str]:
    if not data["texte_regle"]:
        if data["regle"] != "sinon" or not data["source_enregistree"]:
            yield "Texte de la règle : source de la politique absente du journal."
        return
    yield "Texte de la règle (tel qu'enregistré au journal) :"
    for line in data["texte_regle"]:
        yield f"  {line['ligne']:>4} | {line['texte']}"


def _conditions(data: dict[str, Any]) -> Iterator[str]:
    for trace in data["conditions"]:
        role = "règle décisive" if trace.get("decisive") else "règle aussi vraie"
        if not trace.get("decisive") and trace["regle"] in {r["regle"] for r in data["inconnues"]}:
            role = "règle inconnue"
        yield f"Conditions de « {trace['regle']} » (ligne {trace['ligne']}, {role}) :"
        yield from _node(trace["condition"], data["preuves"], 1)


def _node(node: dict, notes: dict[str, str], depth: int) -> Iterator[str]:
    found = [notes[name] for name in node.get("lu", {}) if notes.get(name)]
    note = f" ({'; '.join(found)})" if found else ""
    yield f"{'  ' * depth}{node['detail']}{note}"
    for child in node.get("enfants", []):
        yield from _node(child, notes, depth + 1)
    if "definition" in node:
        yield f"{'  ' * (depth + 1)}défini par :"
        yield from _node(node["definition"], notes, depth + 2)


def _section(title: str, lines: Iterator[str]) -> Iterator[str]:
    items = list(lines)
    if items:
        yield title
        yield from items
