"""A decision's bytes from its shape's template are the bytes the whole content renders to."""

from __future__ import annotations

from importlib.resources import files

import orjson
import pytest

from tamis.audit import personal, templates
from tamis.audit.record import decision_content
from tamis.invitations.validation import validate
from tamis.triage.pipeline import Decided, SetupOptions, decide_invitation, prepare

POLICIES = files("tamis.policies")
EXAMPLES = files("tamis.policies.exemples")
FIELDS_POLICY = """politique "Champs"
paramètre seuil = 100
refuser si expediteur.titre contient "leads" ou message correspond à "(?i)démo"
accepter si expediteur.connexions > seuil et non sans_photo
sinon examiner
"""


@pytest.fixture
def one_salt(monkeypatch):
    """The same salt for every record, so that two renderings compare byte for byte."""
    monkeypatch.setattr(personal, "new_salt", lambda: "0f" * personal.SALT_BYTES)


def contents(policy_path: str, *, minimise: bool = False) -> list[dict]:
    """The record content of each shipped example invitation decided by ``policy_path``."""
    setup = prepare(SetupOptions(policy_path, str(EXAMPLES / "tamis.toml")))
    found = []
    for line in (EXAMPLES / "invitations.jsonl").read_bytes().splitlines():
        raw = orjson.loads(line)
        invitation, errors, _ = validate(raw)
        if invitation is None or errors:
            continue
        explained, duration_ms = decide_invitation(setup, invitation)
        decided = Decided("", invitation, raw, explained, duration_ms)
        policy = setup.policy
        found.append(
            decision_content(
                decided,
                policy=policy,
                policy_sha256=policy.sha256,
                context_sha256=setup.context.sha256,
                minimise=minimise,
            )
        )
    return found


def whole(content: dict) -> personal.Rendered:
    """The content rendered without templates: split, then each part rendered whole."""
    return personal.rendered_parts(*personal.split(content))


def fields_policy(tmp_path) -> str:
    path = tmp_path / "champs.tamis"
    path.write_text(FIELDS_POLICY, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("minimise", [False, True])
@pytest.mark.parametrize("name", ["blogue.tamis", "chambre.tamis", "champs"])
def test_every_rendering_is_the_whole_contents_bytes(name, minimise, tmp_path, one_salt):
    path = fields_policy(tmp_path) if name == "champs" else str(POLICIES / name)
    for content in contents(path, minimise=minimise) * 2:  # the second time from templates
        assert personal.rendered(content) == whole(content)
        assert personal.prepare(content).head == whole(content).head


def test_the_usual_decisions_take_their_template():
    shapes = templates.Templates()
    decided = contents(str(POLICIES / "blogue.tamis"))
    assert all(shapes.public(content) is not None for content in decided)
    assert 0 < len(shapes.by_shape) < len(decided)  # decisions of one shape share it
    assert len(shapes.entries) <= len(shapes.by_shape) * 3  # rule traces shared, not copied


def test_an_unknown_member_or_a_mark_in_a_text_is_rendered_whole():
    shapes = templates.Templates()
    content = contents(str(POLICIES / "blogue.tamis"))[0]
    assert shapes.public({**content, "nouveau": 1}) is None
    assert shapes.public({**content, "motif": "un \ue001 repère"}) is None
    assert shapes.public({k: v for k, v in content.items() if k != "faits"}) is None
    assert not shapes.by_shape
    canonical = personal.canonical(personal.split(content)[0])
    assert shapes.public(content) == canonical
    assert shapes.public(dict(content)) == canonical  # from the template kept


def test_a_shared_part_is_told_by_identity_not_by_equality():
    shapes = templates.Templates()
    content = contents(str(POLICIES / "blogue.tamis"))[0]
    shapes.public(content)
    changed = [dict(rule) for rule in content["declenchees"]] + [{"regle": "autre"}]
    other = {**content, "declenchees": changed}
    assert shapes.public(other) == personal.canonical(personal.split(other)[0])
    assert len(shapes.by_shape) == 2


@pytest.mark.parametrize("name", [*templates.PLAIN, "politique"])
def test_each_other_member_tells_a_shape_apart(name):
    shapes = templates.Templates()
    content = contents(str(POLICIES / "blogue.tamis"))[0]
    shapes.public(content)
    value = {"chemin": "autre.tamis", "nom": None, "sha256": "0" * 64} if name == "politique" else 7
    changed = {**content, name: value}
    assert shapes.public(changed) == personal.canonical(personal.split(changed)[0])
    without = {k: v for k, v in content.items() if k != name}  # None: rendered whole
    assert shapes.public(without) in (None, personal.canonical(personal.split(without)[0]))
