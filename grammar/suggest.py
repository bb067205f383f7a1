"""Did-you-mean hints for unknown names, built on ``difflib``.

Used by the checker's name pass (unknown fact, field or parameter) and available to any
command that resolves a user-typed name (parameter overrides, for instance).
"""

from __future__ import annotations

from collections.abc import Iterable

from tamis.grammar.check_words import name_list, quote


def closest(name: str, candidates: Iterable[str], *, limit: int = 3) -> list[str]:
    """The known names most similar to ``name``, best first (case-insensitive)."""
    import difflib  # here: only a mistake needs it, and every start paid 2.4M instructions

    by_folded: dict[str, str] = {}
    for candidate in sorted(set(candidates)):
        by_folded.setdefault(candidate.casefold(), candidate)
    matches = difflib.get_close_matches(name.casefold(), list(by_folded), n=limit, cutoff=0.6)
    return [by_folded[m] for m in matches]


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """``vouliez-vous dire « x » ?`` (or ``« x » ou « y »``), or None when nothing is close."""
    matches = closest(name, candidates, limit=2)
    return _ask(matches) if matches else None


def _ask(names: list[str]) -> str:
    return "vouliez-vous dire " + " ou ".join(quote(n) for n in names) + " ?"


def hint_for(name: str, candidates: Iterable[str]) -> str | None:
    """The best hint for an unknown name.

    For a dotted path whose prefix exists (``expediteur.conexions``), only the names under
    that prefix are compared, on their last part; when none is close, they are listed.
    """
    known = sorted(set(candidates))
    prefix = longest_prefix(name, known) if "." in name else None
    if prefix is None:
        suffixed = [k for k in known if k.endswith("." + name)]  # a forgotten prefix
        return _ask(suffixed[:2]) if suffixed else did_you_mean(name, known)
    size = len(prefix) + 1
    under = {k[size:]: k for k in known if k.startswith(prefix + ".")}
    matches = closest(name[size:], under, limit=2)
    if matches:
        return did_you_mean(under[matches[0]], [under[m] for m in matches])
    return fields_under(name, known)


def longest_prefix(path: str, candidates: Iterable[str]) -> str | None:
    """The longest dotted prefix of ``path`` under which some known name exists."""
    known = list(candidates)
    parts = path.split(".")
    for size in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:size]) + "."
        if any(k.startswith(prefix) for k in known):
            return prefix[:-1]
    return None


def fields_under(path: str, candidates: Iterable[str]) -> str | None:
    """``champs de « expediteur » : « expediteur.nom », …`` for a dotted name, else None."""
    known = sorted(set(candidates))
    prefix = longest_prefix(path, known)
    if prefix is None:
        return None
    under = [k for k in known if k.startswith(prefix + ".")]
    return f"champs connus de {quote(prefix)} : {name_list(under, limit=20)}"
