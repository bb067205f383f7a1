"""docs/service.md: its complete service.toml example is a valid configuration."""

from __future__ import annotations

import re
from pathlib import Path

from servir_harness import ROOT

from tamis.service.config import load_config
from tamis.service.tokens import Right


def test_the_documented_config_loads_with_its_workspaces_and_tokens(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "service.md").read_text(encoding="utf-8")
    example = re.search(r"Exemple complet[^\n]*\n\n```toml\n(.*?)```", text, re.S)[1]
    (tmp_path / "service.toml").write_text(example, encoding="utf-8")
    config = load_config(tmp_path / "service.toml")
    assert sorted(config.workspaces) == ["equipe-ventes", "jade"]
    jade = config.workspaces["jade"]
    assert jade.policy == tmp_path / "politiques" / "blogue.tamis"
    assert dict(jade.parameters) == {"connexions_min": 100}
    assert [t.rights for t in jade.tokens] == [
        {Right.DECIDER, Right.LIRE},
        {Right.LIRE, Right.ADMIN},
    ]
    assert config.limits.max_body == 1048576 and config.durability == "groupee"
