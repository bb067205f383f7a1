"""docs/invitation.schema.json is the JSON Schema generated from the pydantic model."""

from __future__ import annotations

import json

from invitation_helpers import ROOT

from tamis.invitations.schema import schema_text

SCHEMA = ROOT / "docs" / "invitation.schema.json"


def test_published_schema_is_up_to_date():
    assert SCHEMA.read_text(encoding="utf-8") == schema_text(), (
        "régénérer : python -m tamis.invitations.schema > docs/invitation.schema.json"
    )


def test_schema_requires_only_id_and_documents_dates():
    schema = json.loads(schema_text())
    assert schema["required"] == ["id"]
    debut = schema["$defs"]["Experience"]["properties"]["debut"]["anyOf"][0]
    assert debut["pattern"] == r"^\d{4}(-(0[1-9]|1[0-2]))?$"


def test_schema_requires_sens_beside_a_recipient():
    """tamis refuses a ``destinataire`` without ``sens`` (``validation.undirected``): the
    published schema says so, so that a validator refuses it too."""
    schema = json.loads(schema_text())
    assert schema["if"]["required"] == ["destinataire"]
    assert schema["then"]["required"] == ["sens"]
    assert schema["then"]["properties"]["sens"] == {"type": "string"}
