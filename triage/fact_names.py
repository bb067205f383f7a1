"""Whether the names of a journal query's ``fait`` filter are facts at all.

Sits between the shells' filters (``tamis journal chercher --fait``, ``rejouer``, the API's
``?fait=``, the inbox page) and the journal's readers: a name nothing knows matched no record,
so a mistyped one (``--fait sans_foto``) answered « aucune décision » as if none were without
a photo. It is now a ``FilterError`` (``Problem.UNKNOWN_FACT``) with the closest names, which
each shell words, naming its own option or field.

A name is known when tamis's vocabulary has it (the built-in facts and fields, what a
record's ``faits`` hold today), or when the journal's decisions hold it: a ``définir`` of the
policy that decided (``faits_derives``), or a fact of an older vocabulary. The journal is
asked only for a name the vocabulary lacks, through ``journal stats`` (its index or SQL):
the true/false/unknown facts of each invitation's latest decision, which is every
definition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from tamis.audit.filters import (
    Criterion,
    Filter,
    FilterError,
    Problem,
    number_given,
    value_matches,
)
from tamis.audit.reader import Warn
from tamis.grammar.suggest import closest, did_you_mean
from tamis.grammar.vocabulary import NameSpec, Type
from tamis.invitations.vocabulary import vocabulary


def check_fact_names(flt: Filter, recorded: Callable[[], Iterable[str]]) -> None:
    """Raise ``FilterError`` for the first value a fact of the vocabulary never has
    (« --fait sans_photo=oui » or « =peut-etre » matched nothing: a truth is vrai, faux or
    inconnu; nor a number that is no number), then for the first ``fait`` name neither the
    vocabulary nor the journal knows (``recorded()`` gives the journal's, called only when
    needed). A definition of the policy, known from the journal alone, is not checked."""
    known = vocabulary().names
    for test in flt.facts:
        spec = known.get(test.name)
        if spec is not None and test.expected is not None and not _possible(spec, test.expected):
            given = f"{test.name}={test.expected}"
            raise FilterError(Criterion.FACT, given, Problem.FACT_VALUE, (spec.type.value,))
    missing = [test.name for test in flt.facts if test.name not in known]
    if not missing:
        return
    seen = set(recorded())
    for name in missing:
        if name not in seen:
            near = tuple(closest(name, [*known, *seen], limit=2))
            raise FilterError(Criterion.FACT, name, Problem.UNKNOWN_FACT, near)


def _possible(spec: NameSpec, expected: str) -> bool:
    """Whether a value of ``spec``'s type can match ``expected`` (``filters.value_matches``)."""
    if spec.type is Type.BOOLEEN:
        return any(value_matches(truth, expected) for truth in (True, False, None))
    if spec.type is Type.NOMBRE:
        return value_matches(None, expected) or number_given(expected) is not None
    return True


def wrong_fact_value(error: FilterError) -> str:
    """« « sans_photo » est vrai, faux ou inconnu : « oui » ne correspondrait à rien ; … »,
    in the words of every shell (each puts its option or field before it)."""
    name, _, value = error.shown.partition("=")
    if error.near[0] == Type.BOOLEEN.value:
        return (
            f"« {name} » est vrai, faux ou inconnu : « {value} » ne correspondrait à rien ;"
            f" écrivez {name}=vrai, {name}=faux ou {name}=inconnu"
        )
    return (
        f"« {name} » est un nombre : « {value} » ne correspondrait à rien ; écrivez un nombre"
        f" ({name}=500, {name}=0,5) ou {name}=inconnu"
    )


def unknown_fact(error: FilterError) -> str:
    """« fait inconnu « x » : … ; vouliez-vous dire « y » ? », in the words of every shell
    (each puts its option or field before it)."""
    hint = did_you_mean(error.value, error.near)
    return (
        f"fait inconnu « {error.shown} » : ni les faits de tamis ni les décisions du journal ne"
        " le connaissent" + (f" ; {hint}" if hint else "")
    )


def recorded_facts(journal: str | object, warn: Warn, *, index: bool = True) -> list[str]:
    """The fact names the journal's decisions hold (each invitation's latest decision)."""
    from tamis.audit.postgres.backend import stats_any

    return list(stats_any(str(journal), Filter(), "jour", warn, index=index).by_fact)
