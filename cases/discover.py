"""Finding test files and policies from the paths given to ``tamis tester``.

A folder is searched recursively (hidden folders, ``__pycache__`` and virtual environments
left out) for ``*.cas.toml`` test files and ``*.tamis`` policies; a policy names its sibling
``NOM.cas.toml``; any other file is a test file named on the command line (its ``politique``
key says which policy it tests). Policies found in folders without a test file are reported
by the runner, so coverage cannot pass by forgetting a policy.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tamis.cases.load import SUFFIX, load_case_file

_SKIPPED = {"__pycache__", "node_modules", "venv"}


@dataclass
class Found:
    case_files: list[Path] = field(default_factory=list)
    policies: list[Path] = field(default_factory=list)  # policies seen in folders or named
    missing: list[str] = field(default_factory=list)  # French: a named policy without cases
    unpaired: list[Path] = field(default_factory=list)  # those policies (an error, not untested)

    def inputs(self) -> list[Path]:
        """The files the run reads that a person writes: each case file, each policy found,
        the policy beside each ``NOM.cas.toml``, and the policy, context and invitation
        files each case file names (``politique = …``, ``contexte = …``, ``invitation =
        "x.json"``): a report written over one would lose it."""
        beside = [path.with_name(path.name[: -len(SUFFIX)] + ".tamis") for path in self.case_files]
        return [*self.case_files, *self.policies, *beside, *_named(self.case_files)]


def _named(case_files: Iterable[Path]) -> Iterator[Path]:
    """The policy, context and invitation files ``case_files`` name (each file read, as the
    run reads it)."""
    for path in case_files:
        loaded = load_case_file(path)
        if loaded.policy is not None:
            yield Path(loaded.policy)
        for case in loaded.cases:
            yield from (Path(f) for f in (case.context.file, case.invitation_file) if f)


def discover(paths: Iterable[str]) -> Found:
    found = Found()
    for name in paths:
        path = Path(name)
        if path.is_dir():
            _folder(path, found)
        elif path.name.endswith(".tamis"):
            _policy(path, found)
        else:
            _add(found.case_files, path)
    return found


def _folder(folder: Path, found: Found) -> None:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED)
        for name in sorted(files):
            if name.endswith(SUFFIX):
                _add(found.case_files, Path(root, name))
            elif name.endswith(".tamis"):
                _add(found.policies, Path(root, name))


def _policy(path: Path, found: Found) -> None:
    _add(found.policies, path)
    beside = path.with_name(path.name[: -len(".tamis")] + SUFFIX)
    if beside.is_file():
        _add(found.case_files, beside)
    else:
        found.missing.append(f"{path} : aucun fichier de cas (attendu : {beside})")
        found.unpaired.append(path)


def _add(paths: list[Path], path: Path) -> None:
    if path not in paths:
        paths.append(path)
