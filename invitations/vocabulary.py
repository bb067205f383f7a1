"""The names policies may read about an invitation: raw fields, built-in facts, parameters.

This is the declaration side of the registry: the checker type-checks against it, and
``tamis.invitations.extract`` computes exactly these names (a test keeps the two in step).
Each built-in fact implements one criterion of the two guides the product is built on.
"""

from __future__ import annotations

from tamis.grammar.vocabulary import NameSpec, ParameterSpec, Type, Vocabulary

T, N, B, L = Type.TEXTE, Type.NOMBRE, Type.BOOLEEN, Type.LISTE

FIELDS: tuple[tuple[str, Type, str], ...] = (
    ("id", T, "identifiant de l'invitation"),
    ("recue_le", T, "date et heure de réception (ISO 8601)"),
    ("sens", T, "« entrante » (reçue) ou « sortante » (envoyée)"),
    ("message", T, "la note jointe à l'invitation"),
    ("inmail", T, "l'InMail qui accompagne l'invitation"),
    ("relation_declaree", T, "ce que l'expéditeur dit de votre lien"),
    ("expediteur.nom", T, "nom de l'expéditeur"),
    ("expediteur.profil_url", T, "adresse du profil LinkedIn"),
    ("expediteur.photo", B, "vrai si le profil a une photo"),
    ("expediteur.titre", T, "titre du profil"),
    ("expediteur.entreprise", T, "entreprise actuelle"),
    ("expediteur.poste", T, "poste actuel"),
    ("expediteur.entreprises", L, "entreprises, actuelle et passées (expériences)"),
    ("expediteur.formation", L, "établissements d'études"),
    ("expediteur.centres_interet", L, "centres d'intérêt"),
    ("expediteur.competences", L, "compétences"),
    ("expediteur.secteur", T, "secteur d'activité"),
    ("expediteur.localisation", T, "lieu"),
    ("expediteur.connexions", N, "nombre de connexions"),
    ("expediteur.recommandations", N, "nombre de recommandations reçues"),
    ("expediteur.relations_communes", N, "nombre de relations en commun"),
    ("expediteur.type", T, "« personne » ou « entreprise »"),
)

FACTS: tuple[tuple[str, Type, str], ...] = (
    ("sans_photo", B, "aucune photo de profil, ou l'avatar par défaut"),
    ("profil_entreprise", B, "le profil représente une entreprise, pas une personne"),
    ("profil_incomplet", B, "on ne sait ni où il travaille, ni ce qu'il a étudié, ni ses intérêts"),
    ("peu_de_connexions", B, "moins de connexions que le paramètre connexions_min"),
    ("sans_recommandations", B, "aucune recommandation reçue"),
    ("message_par_defaut", B, "aucune note, ou le texte par défaut de LinkedIn"),
    ("mensonge", B, "prétend un passé commun que votre contexte contredit"),
    ("pitch_de_vente", B, "la note ou l'InMail est un argumentaire de vente"),
    ("message_commercial", B, "message électronique commercial au sens de la LCAP"),
    ("message.score_commercial", N, "score commercial de la note et de l'InMail (0 à 1)"),
    ("fausse_vedette", B, "plus de vedette_min connexions sans être connu de vous"),
    ("pertinent", B, "titre, secteur, compétences ou entreprise liés à vos domaines"),
    ("connu", B, "fait partie de votre réseau réel (rencontré ou en contact)"),
    ("homonyme_d_un_contact", B, "porte le nom d'un contact, avec une autre adresse de profil"),
    ("message_personnalise", B, "une vraie note qui donne le contexte de la demande"),
    ("note_trop_longue", B, "la note dépasse les 300 caractères qu'accepte LinkedIn"),
)

PARAMETERS: tuple[ParameterSpec, ...] = (
    ParameterSpec("connexions_min", N, 50, "en deçà, peu_de_connexions est vrai", minimum=0),
    ParameterSpec("vedette_min", N, 10000, "au-delà, un inconnu est une fausse_vedette", minimum=0),
    ParameterSpec(
        "sections_manquantes_min",
        N,
        2,
        "sections absentes (travail, études, intérêts) qui rendent un profil incomplet",
        minimum=0,
        maximum=3,
    ),
    ParameterSpec(
        "seuil_commercial",
        N,
        0.5,
        "score à partir duquel un message est commercial",
        minimum=0,
        maximum=1,
    ),
)


def vocabulary() -> Vocabulary:
    """The vocabulary the checker uses for real policies."""
    names = {name: NameSpec(name, type_, doc, is_field=True) for name, type_, doc in FIELDS}
    names.update({name: NameSpec(name, type_, doc) for name, type_, doc in FACTS})
    return Vocabulary(names=names, parameters={p.name: p for p in PARAMETERS})
