"""Deterministic synthetic invitations for the benchmarks (raw JSON dicts, issue-4 model).

Same seed, same invitations: ``random.Random(seed)`` drives every choice. The mix covers
each criterion of the shipped policies (photo known or not, default and personal notes,
sales pitches, companies, famous strangers, claimed shared pasts), with fields left out
at random so that *inconnu* is exercised as in real exports.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from tamis.invitations.models import INCOMING

FIRST = ("Marie", "Jean", "Sophie", "Luc", "Julie", "Karim", "Nadia", "Marc-André", "Chloé", "Hugo")
LAST = ("Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Smith", "Nguyen", "Lavoie", "Morin")
COMPANIES = ("Ludis Media", "Desjardins", "Shopify", "CGI", "Ubisoft", "Acme Leads", "Growth Inc")
SCHOOLS = ("UQAM", "Université Laval", "HEC Montréal", "McGill", "Polytechnique Montréal")
TITLES = (
    "Stratège en marketing de contenu",
    "Gestionnaire de communauté, médias sociaux",
    "Développeur logiciel",
    "Coach en croissance | Je génère des leads B2B",
    "Recruteuse TI",
    "Comptable",
    "Content marketing manager",
)
SECTORS = ("Marketing", "Médias", "Technologie", "Finance", "Ressources humaines", None)
SKILLS = ("marketing", "SEO", "rédaction", "Python", "vente", "médias sociaux", "comptabilité")
INTERESTS = ("contenu", "photographie", "course à pied", "intelligence artificielle", "vin")
MESSAGES = (
    None,
    "",
    "Je vous invite à faire partie de mon réseau professionnel sur LinkedIn.",
    "Je vous invite à faire partie de mon réseau professionnel sur LinkedIn. Sébastien",
    "I'd like to add you to my professional network on LinkedIn.",
    "Bonjour, nous nous sommes rencontrés au colloque Infopresse la semaine dernière; "
    "j'ai beaucoup aimé votre présentation sur le contenu de marque.",
    "Salut! On a travaillé ensemble chez Desjardins en 2015, content de te retrouver ici.",
    "Nous avons étudié ensemble à l'UQAM, en communication.",
    "Boostez vos ventes de 300 % grâce à notre solution! Réservez une démo gratuite dès "
    "aujourd'hui, offre limitée.",
    "Hi! I help agencies generate qualified B2B leads. Are you open to a quick call this "
    "week to discuss our services?",
    "J'ai lu votre billet sur la stratégie de contenu et j'aimerais échanger avec vous.",
)
PHOTOS = (True, False, "https://media.licdn.com/dms/image/photo.jpg")
CLAIMS = (None, None, None, "anciens collègues chez Shopify", "études ensemble à McGill")


def generate(n: int, seed: int = 2026) -> Iterator[dict[str, Any]]:
    """``n`` invitations as raw JSON objects, always the same for the same seed."""
    rng = random.Random(seed)
    for index in range(n):
        yield invitation(rng, index)


def invitation(rng: random.Random, index: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": f"bench-{index:06d}",
        "recue_le": f"2026-0{rng.randint(1, 9)}-{rng.randint(10, 28)}T{rng.randint(10, 23)}:15:00Z",
        "sens": INCOMING,
        "expediteur": sender(rng),
    }
    maybe(rng, data, "message", lambda: rng.choice(MESSAGES), 0.9)
    maybe(rng, data, "relation_declaree", lambda: rng.choice(CLAIMS), 0.3)
    maybe(rng, data, "inmail", lambda: rng.choice(MESSAGES[8:10]), 0.05)
    return data


def sender(rng: random.Random) -> dict[str, Any]:
    company = rng.random() < 0.05
    name = rng.choice(COMPANIES) if company else f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    data: dict[str, Any] = {"nom": name, "profil_url": profile_url(name, rng)}
    maybe(rng, data, "type", lambda: "entreprise" if company else "personne", 0.6)
    maybe(
        rng, data, "photo", lambda: rng.choice((True, False, "https://media.licdn.com/p.jpg")), 0.8
    )
    maybe(rng, data, "titre", lambda: rng.choice(TITLES), 0.8)
    maybe(rng, data, "entreprise", lambda: rng.choice(COMPANIES), 0.6)
    maybe(rng, data, "secteur", lambda: rng.choice(SECTORS), 0.5)
    maybe(rng, data, "experiences", lambda: experiences(rng), 0.5)
    maybe(rng, data, "formation", lambda: rng.sample(SCHOOLS, rng.randint(0, 2)), 0.5)
    maybe(rng, data, "competences", lambda: rng.sample(SKILLS, rng.randint(0, 3)), 0.5)
    maybe(rng, data, "centres_interet", lambda: rng.sample(INTERESTS, rng.randint(0, 2)), 0.4)
    maybe(rng, data, "connexions", lambda: connections(rng), 0.85)
    maybe(rng, data, "recommandations", lambda: rng.choice((0, 0, 1, 3, 12)), 0.6)
    maybe(rng, data, "relations_communes", lambda: rng.randint(0, 40), 0.7)
    return data


def maybe(rng: random.Random, data: dict[str, Any], key: str, value, probability: float) -> None:
    """Set ``key`` with the given probability; otherwise leave it absent (*inconnu*)."""
    if rng.random() < probability:
        produced = value()
        if produced is not None or key == "message":
            data[key] = produced


def experiences(rng: random.Random) -> list[dict[str, str]]:
    start = rng.randint(2000, 2020)
    return [
        {"entreprise": rng.choice(COMPANIES), "poste": rng.choice(TITLES), "debut": str(start)},
        {"entreprise": rng.choice(COMPANIES), "debut": f"{start - 3}-03", "fin": f"{start}-01"},
    ][: rng.randint(1, 2)]


def connections(rng: random.Random) -> int:
    bucket = rng.random()
    if bucket < 0.25:
        return rng.randint(0, 49)
    if bucket < 0.9:
        return rng.randint(50, 2000)
    return rng.randint(10_001, 30_000)


def profile_url(name: str, rng: random.Random) -> str:
    slug = "-".join(name.lower().split())
    return f"https://www.linkedin.com/in/{slug}-{rng.randint(1000, 9999)}"
