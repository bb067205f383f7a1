"""Sales pitch and commercial electronic message (CASL / LCAP), with a score policies can read.

The blog: an invitation sent with an InMail that is « essentiellement un pitch de vente pour
votre entreprise ou un produit… oubliez-moi ». The chamber of commerce: under Canada's
anti-spam law a commercial electronic message (MEC) is any message that encourages taking part
in a commercial activity — promoting a product, a service, a business or an investment
opportunity — and needs the recipient's consent.

The note and the InMail are each scored against French and English cue lexicons: each cue
found adds its weight as a probability (``1 - Π(1 - poids)``), so one mention of a product
scores low and an offer with a call to action scores high. ``message.score_commercial`` is
the highest score of the two texts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from types import MappingProxyType

from tamis.grammar.numbers import french
from tamis.invitations.registry import Inputs, Result, fact
from tamis.invitations.text import CACHE_SIZE, Phrases, normalise

# category -> (weight, cues); categories « offre », « appel », « prix » make a sales pitch.
LEXICON: dict[str, tuple[float, tuple[str, ...]]] = {
    "offre": (0.45, (
        "notre produit", "nos produits", "notre solution", "nos solutions", "notre service",
        "nos services", "mes services", "notre plateforme", "notre logiciel", "notre agence",
        "mon agence", "notre offre", "notre application", "notre gamme", "notre firme",
        "our product", "our products", "our solution", "our solutions", "our service",
        "our services", "my services", "our platform", "our software", "our agency",
        "my agency", "our offer", "our app", "our tool",
    )),
    "appel": (0.4, (
        "démo", "démonstration", "demo", "réservez", "réserver un appel", "prendre rendez-vous",
        "appel de 15 minutes", "15 minutes", "appel découverte", "calendly",
        "consultation gratuite",
        "cliquez", "inscrivez-vous", "visitez notre site", "soumission", "devis", "book a call",
        "schedule a call", "quick call", "hop on a call", "discovery call", "free consultation",
        "click here", "sign up", "visit our website", "get a quote",
    )),
    "prix": (0.3, (
        "rabais", "escompte", "promotion", "offre spéciale", "essai gratuit", "gratuitement",
        "tarif", "tarifs", "prix", "durée limitée", "discount", "special offer", "free trial",
        "pricing", "price", "limited time",
    )),
    "investissement": (0.5, (
        "opportunité d'investissement", "revenu passif", "opportunité d'affaires",
        "investment opportunity", "passive income", "business opportunity",
    )),
    "placement": (0.25, (
        "investir", "investissez", "rendement", "cryptomonnaie", "crypto", "bitcoin", "forex",
        "franchise", "invest", "investors", "investisseurs",
    )),
    "affaires": (0.35, (
        "augmenter vos ventes", "générer des leads", "génération de leads", "générer des prospects",
        "nouveaux clients", "plus de clients", "faire croître votre entreprise",
        "nous aidons les entreprises", "nous aidons les pme", "retour sur investissement",
        "increase your sales", "boost your sales", "generate leads", "lead generation",
        "new clients", "more clients", "grow your business", "we help companies",
        "we help businesses", "roi",
    )),
    "mention": (0.1, (
        "produit", "produits", "service", "services", "solution", "plateforme", "logiciel",
        "entreprise", "clients", "product", "products", "platform", "software", "business",
        "customers", "free",
    )),
}  # fmt: skip
SALES = frozenset({"offre", "appel", "prix"})


def _first_written(cues: tuple[str, ...]) -> dict[str, str]:
    """Each normalised cue with the first cue that reads so: « démo » is quoted, not « demo »."""
    written: dict[str, str] = {}
    for cue in cues:
        written.setdefault(normalise(cue), cue)
    return written


_NORMALISED = {
    category: (weight, _first_written(cues)) for category, (weight, cues) in LEXICON.items()
}
# Every cue in one lexicon, category by category: (category, cue as written) per position.
_ENTRIES = tuple(
    (category, written) for category, (_, cues) in _NORMALISED.items() for written in cues.values()
)
_CUES = Phrases(cue for _, (_, cues) in _NORMALISED.items() for cue in cues)


@dataclass(frozen=True)
class Analysis:
    """The score of one text and the cues found, by category."""

    source: str  # "message" or "inmail"
    score: float
    cues: Mapping[str, tuple[str, ...]]  # read-only: analyses are cached and shared

    @property
    def sells(self) -> bool:
        return bool(SALES & self.cues.keys())

    @cached_property  # analyses are cached, so is their description
    def description(self) -> str:
        found = " ; ".join(f"{cat} : {', '.join(c)}" for cat, c in self.cues.items())
        return f"{self.source} score {french(self.score, 2)} ({found or 'aucun indice'})"


@lru_cache(maxsize=CACHE_SIZE)
def analyse(text: str, source: str) -> Analysis:
    """Score ``text`` (0 to 1) with the lexicons."""
    cues: dict[str, list[str]] = {}
    for position in _CUES.positions(normalise(text)):
        category, written = _ENTRIES[position]
        cues.setdefault(category, []).append(written)
    remaining = 1.0
    for category, found in cues.items():
        remaining *= (1 - LEXICON[category][0]) ** len(found)
    frozen = MappingProxyType({category: tuple(found) for category, found in cues.items()})
    return Analysis(source, round(1 - remaining, 2), frozen)


def _texts(inputs: Inputs) -> tuple[Analysis | None, Analysis | None]:
    """Analyses of the note and of the InMail (None when that text is unknown); ``analyse``
    caches them, so the three facts reading them share one computation per text."""
    invitation = inputs.invitation
    note = analyse(invitation.message, "message") if invitation.message is not None else None
    inmail = analyse(invitation.inmail, "inmail") if invitation.inmail is not None else None
    return note, inmail


def _verdict(inputs: Inputs, is_hit: str) -> Result:
    """Shared rule: vrai if a known text qualifies; inconnu if the note is unknown; else faux.

    An absent InMail counts as no InMail once the note is known.
    """
    note, inmail = _texts(inputs)
    threshold = inputs.param("seuil_commercial")
    known = [a for a in (note, inmail) if a is not None]
    hits = [a for a in known if a.score >= threshold and (is_hit != "vente" or a.sells)]

    def detail() -> str:
        scores = " ; ".join(a.description for a in known)
        return f"{scores} ; seuil_commercial = {french(threshold)}"

    if hits:
        return True, detail
    if note is None:
        return (
            None,
            lambda: "message absent : la note est inconnue" + (f" ; {detail()}" if known else ""),
        )
    return False, detail


@fact("message.score_commercial")
def score_commercial(inputs: Inputs) -> Result:
    """The highest score of the note and the InMail; inconnu when the note is unknown."""
    note, inmail = _texts(inputs)
    if note is None:
        return None, "message absent : la note est inconnue"
    best = max((a for a in (note, inmail) if a is not None), key=lambda a: a.score)
    return best.score, best.description


@fact("pitch_de_vente")
def pitch_de_vente(inputs: Inputs) -> Result:
    """vrai: the note or InMail scores at least ``seuil_commercial`` with a sales cue (offer,
    call to action, price); faux: neither does; inconnu: the note is unknown."""
    return _verdict(inputs, "vente")


@fact("message_commercial")
def message_commercial(inputs: Inputs) -> Result:
    """vrai: the note or InMail scores at least ``seuil_commercial`` (a product, service,
    business or investment promoted); faux: neither does; inconnu: the note is unknown."""
    return _verdict(inputs, "commercial")
