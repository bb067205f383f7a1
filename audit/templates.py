"""A decision content's canonical bytes from a template: what decisions of one shape share.

Sits inside ``personal.rendered`` (record content -> **bytes** -> hash and line): a format 3
decision's decision part is canonical JSON (sorted keys) in which, for the decisions of one
run, only four members change from one invitation to the next (``VARYING``: the duration,
the facts, the derived facts, the id). Everything else (the trace, the fired and unknown
rules, the parameters, the policy's reference…) is the same for every decision whose
explanation shares one skeleton (``engine.explainer``), and those parts are even the same
Python objects. So the bytes around the four members are rendered once per shape
(``Template``) and each decision only renders its four values between them: the same bytes
``layout.canonical`` gives for the whole part, for about a third of its work.

A shape is told by the identity of the shared parts (kept alive by the template, and checked
with ``is`` on each use, so an id is never mistaken for another object's) and by the value
of every other member. A content with a key this module does not know, or whose facts quote
the sender (``personal.split`` then takes text out of them), is rendered the generic way
(``template_for`` returns None): never a wrong byte, at worst the old cost. At most
``LIMIT`` templates are kept (≈ one per explanation skeleton); past it, each decision is
rendered whole.

Each rule trace's bytes are rendered once (the explainer shares each rule's trace between
skeletons), and a template holds references to them, not a copy: a template costs the few
hundred bytes of its own members.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import orjson

_SORTED = orjson.OPT_SORT_KEYS
VARYING = ("duree_ms", "faits", "faits_derives", "id")
"""The decision part's members that change with each invitation, in their sorted order."""
SHARED = ("declenchees", "inconnues", "parametres", "trace")
"""Members whose values are objects shared by the decisions of one shape (told by identity)."""
PLAIN = (
    "contexte_sha256",
    "decision",
    "ligne",
    "minimise",
    "moteur",
    "motif",
    "priorite",
    "regle",
    "resolution",
    "version_tamis",
)
"""Members whose values are texts, numbers or truth values (told by value); ``politique``
is told by its three values."""
PERSONAL = ("explication", "invitation", "preuves")
KNOWN = frozenset((*VARYING, *SHARED, *PLAIN, *PERSONAL, "politique"))
_MARK = "\ue001"  # a private-use character: where a varying member's value goes
_ABSENT = object()


class Template(NamedTuple):
    """The bytes of a shape's decision part around its varying members' values."""

    shared: tuple[Any, ...]  # the shared objects (kept alive: their ids name this shape)
    pieces: tuple[bytes, ...]  # before the first varying value, then between them
    tail: tuple[bytes, ...]  # after the last one (the rule traces' bytes among them)


class Templates:
    """The templates of one process's decisions, by shape."""

    LIMIT = 4096

    def __init__(self) -> None:
        self.by_shape: dict[tuple, Template] = {}
        self.entries: dict[int, tuple[Any, bytes]] = {}  # a rule trace's bytes, by identity

    def public(self, content: dict[str, Any]) -> bytes | None:
        """The canonical bytes of ``content`` without its personal members, or None when it
        has no template (the caller renders it whole)."""
        get = content.get
        shared = (get("declenchees"), get("inconnues"), get("parametres"), get("trace"))
        politique = get("politique")
        if type(politique) is not dict:
            return None
        key = (  # every member but the varying and the personal ones (``KNOWN``)
            id(shared[0]), id(shared[1]), id(shared[2]), id(shared[3]),
            get("contexte_sha256", _ABSENT), get("decision", _ABSENT), get("ligne", _ABSENT),
            get("minimise", _ABSENT), get("moteur", _ABSENT), get("motif", _ABSENT),
            get("priorite", _ABSENT), get("regle", _ABSENT), get("resolution", _ABSENT),
            get("version_tamis", _ABSENT),
            politique.get("sha256"), politique.get("chemin"), politique.get("nom"),
            len(content),
        )  # fmt: skip
        template = self.by_shape.get(key)
        if template is None:
            template = self._make(key, content, shared)
            if template is None:
                return None
        else:
            kept = template.shared
            if not (
                kept[0] is shared[0]
                and kept[1] is shared[1]
                and kept[2] is shared[2]
                and kept[3] is shared[3]
            ):
                return None  # an id reused by another object: never trusted
        pieces = template.pieces
        return b"".join((
            pieces[0], orjson.dumps(content["duree_ms"], default=str),
            pieces[1], orjson.dumps(content["faits"], option=_SORTED, default=str),
            pieces[2], orjson.dumps(content["faits_derives"], option=_SORTED, default=str),
            pieces[3], orjson.dumps(content["id"], default=str),
            *template.tail,
        ))  # fmt: skip

    def _make(self, key: tuple, content: dict[str, Any], shared: tuple) -> Template | None:
        if len(self.by_shape) >= self.LIMIT or not KNOWN.issuperset(content):
            return None
        if not all(name in content for name in VARYING) or type(shared[3]) is not list:
            return None
        try:
            template = self._rendered(content, shared)
        except (TypeError, orjson.JSONEncodeError):
            return None
        if template is not None:
            self.by_shape[key] = template
        return template

    def _rendered(self, content: dict[str, Any], shared: tuple) -> Template | None:
        """The template of ``content``'s shape: its decision part rendered with a mark for
        each varying value and for the trace, cut at the marks (None if a mark is found
        anywhere else: a text of the policy holding the private-use character)."""
        marks = {name: f"{_MARK}{name}{_MARK}" for name in (*VARYING, "trace")}
        marked = {k: v for k, v in content.items() if k not in PERSONAL}
        marked.update(marks)
        whole = orjson.dumps(marked, option=_SORTED, default=str)
        if whole.count(_MARK.encode()) != 2 * len(marks):
            return None
        cuts = [orjson.dumps(marks[name]) for name in (*VARYING, "trace")]
        pieces, rest = [], whole
        for cut in cuts:
            before, found, rest = rest.partition(cut)
            if not found:
                return None
            pieces.append(before)
        trace = self._trace(shared[3])
        return Template(shared, tuple(pieces[:4]), (pieces[4], *trace, rest))

    def _trace(self, trace: list) -> list[bytes]:
        """The canonical bytes of a trace as pieces: each rule trace's bytes shared with
        every template whose trace holds the same rule trace object."""
        pieces = [b"["]
        for number, entry in enumerate(trace):
            if number:
                pieces.append(b",")
            pieces.append(self._entry(entry))
        pieces.append(b"]")
        return pieces

    def _entry(self, entry: Any) -> bytes:
        found = self.entries.get(id(entry))
        if found is not None and found[0] is entry:
            return found[1]
        rendered = orjson.dumps(entry, option=_SORTED, default=str)
        if len(self.entries) < self.LIMIT:
            self.entries[id(entry)] = (entry, rendered)
        return rendered
