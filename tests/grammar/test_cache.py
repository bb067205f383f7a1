"""The cache of checked policies: a warm run reads back exactly what a cold run checked, and
a damaged, swapped or foreign entry, or an unsafe folder, is never trusted."""

from __future__ import annotations

import hashlib
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from tamis.grammar import cache as cache_module
from tamis.grammar.cache import GRAMMAR_FILE, MAGIC, PolicyCache, cache_root, entry_key
from tamis.grammar.load import load_policy, load_policy_file
from tamis.invitations.vocabulary import vocabulary

VOCABULARY = vocabulary()
WARNED = "refuser si sans_photo\nrefuser si sans_photo\n"  # W004 and W003


class Counting:
    """``load_policy`` that counts its calls: a warm load must not parse or check."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, source, path, vocabulary):
        self.calls += 1
        return load_policy(source, path, vocabulary)


@pytest.fixture
def cache(tmp_path: Path) -> PolicyCache:
    folder = tmp_path / "politiques"
    folder.mkdir(mode=0o700)
    return PolicyCache(folder)


def entries(cache: PolicyCache) -> list[Path]:
    return sorted(cache.folder.glob("*.pickle"))


def test_a_warm_load_returns_the_cold_result_without_checking(cache):
    build = Counting()
    cold = cache.load(WARNED, "p.tamis", VOCABULARY, build)
    warm = cache.load(WARNED, "p.tamis", VOCABULARY, build)
    assert build.calls == 1
    assert warm == cold
    assert [d.code for d in warm[1]] == ["W004", "W003"]
    assert warm[0].source == WARNED and warm[0].path == "p.tamis"
    (entry,) = entries(cache)
    assert entry.stat().st_mode & 0o777 == 0o600


def test_the_key_follows_the_text_the_path_and_the_vocabulary(cache):
    build = Counting()
    cache.load(WARNED, "p.tamis", VOCABULARY, build)
    cache.load(WARNED + "# fin\n", "p.tamis", VOCABULARY, build)
    cache.load(WARNED, "autre.tamis", VOCABULARY, build)
    assert build.calls == 3 and len(entries(cache)) == 3
    smaller = type(VOCABULARY)(names=dict(VOCABULARY.names), parameters={})
    assert entry_key(WARNED, "p.tamis", smaller) != entry_key(WARNED, "p.tamis", VOCABULARY)


def test_an_edited_checker_changes_the_key(cache, monkeypatch):
    before = entry_key(WARNED, "p.tamis", VOCABULARY)
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "un autre vérificateur")
    assert entry_key(WARNED, "p.tamis", VOCABULARY) != before


def test_a_policy_with_errors_is_never_kept(cache):
    build = Counting()
    for _ in range(2):
        checked, diagnostics = cache.load("refuser si inconnu_ici", "p.tamis", VOCABULARY, build)
        assert checked is None and diagnostics[0].code == "E011"
    assert build.calls == 2 and entries(cache) == []


def damage_flip(data: bytes) -> bytes:
    return data[:-5] + bytes([data[-5] ^ 0xFF]) + data[-4:]


def damage_cut(data: bytes) -> bytes:
    return data[: len(data) // 2]


def damage_magic(data: bytes) -> bytes:
    return b"x" + data[1:]


def damage_empty(data: bytes) -> bytes:
    return b""


def sealed(payload: bytes) -> bytes:
    return MAGIC + hashlib.sha256(payload).hexdigest().encode() + payload


def damage_foreign_pickle(data: bytes) -> bytes:
    """A sound digest over a payload that is not a checked policy."""
    return sealed(pickle.dumps(("pas", "une politique")))


def damage_garbage_pickle(data: bytes) -> bytes:
    """A sound digest over bytes that do not unpickle."""
    return sealed(b"\x80\x05ceci n'est pas un pickle")


@pytest.mark.parametrize(
    "damage",
    [
        damage_flip,
        damage_cut,
        damage_magic,
        damage_empty,
        damage_foreign_pickle,
        damage_garbage_pickle,
    ],
)
def test_a_damaged_entry_is_ignored_and_rewritten(cache, damage):
    build = Counting()
    cold = cache.load(WARNED, "p.tamis", VOCABULARY, build)
    (entry,) = entries(cache)
    entry.write_bytes(damage(entry.read_bytes()))
    assert cache.load(WARNED, "p.tamis", VOCABULARY, build) == cold
    assert build.calls == 2
    assert cache.load(WARNED, "p.tamis", VOCABULARY, build) == cold
    assert build.calls == 2  # rewritten whole: the third load is warm again


def test_an_entry_of_another_policy_under_this_key_is_not_trusted(cache):
    """A sound entry moved to another policy's name (digest right, text wrong)."""
    build = Counting()
    cache.load("refuser si sans_photo\nsinon accepter\n", "p.tamis", VOCABULARY, build)
    (other,) = entries(cache)
    mine = cache.folder / (entry_key(WARNED, "p.tamis", VOCABULARY) + ".pickle")
    other.rename(mine)
    checked, _ = cache.load(WARNED, "p.tamis", VOCABULARY, build)
    assert checked.source == WARNED and build.calls == 2


def test_the_oldest_entries_are_removed_past_the_limit(cache, monkeypatch):
    monkeypatch.setattr(cache_module, "KEEP", 3)
    texts = [f"refuser si sans_photo\nsinon accepter\n# {n}\n" for n in range(5)]
    names = [entry_key(text, "p", VOCABULARY) + ".pickle" for text in texts]
    for number, text in enumerate(texts):
        cache.load(text, "p", VOCABULARY, load_policy)
        os.utime(cache.folder / names[number], (1000 + number, 1000 + number))
    assert [p.name for p in entries(cache)] == sorted(names[2:])


def test_the_users_folder_follows_xdg_and_is_private(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("TAMIS_SANS_CACHE", raising=False)
    found = PolicyCache.for_user()
    assert found is not None and found.folder == tmp_path / "xdg" / "tamis" / "politiques"
    assert found.folder.stat().st_mode & 0o777 == 0o700
    monkeypatch.setenv("XDG_CACHE_HOME", "relatif/ignore")
    assert cache_root() == Path.home() / ".cache" / "tamis"


def test_an_unsafe_or_unusable_folder_is_not_used(tmp_path, monkeypatch):
    monkeypatch.delenv("TAMIS_SANS_CACHE", raising=False)
    shared = tmp_path / "partage"
    (shared / "tamis" / "politiques").mkdir(parents=True)
    (shared / "tamis" / "politiques").chmod(0o777)
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared))
    assert PolicyCache.for_user() is None  # others may write there
    a_file = tmp_path / "fichier"
    a_file.write_text("pas un dossier")
    monkeypatch.setenv("XDG_CACHE_HOME", str(a_file))
    assert PolicyCache.for_user() is None  # cannot be created
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("TAMIS_SANS_CACHE", "1")
    assert PolicyCache.for_user() is None


def test_load_policy_file_reads_through_the_cache(cache, tmp_path):
    path = tmp_path / "p.tamis"
    path.write_text(WARNED, encoding="utf-8")
    cold = load_policy_file(path, VOCABULARY, cache)
    warm = load_policy_file(path, VOCABULARY, cache)
    assert warm == cold == (*load_policy_file(path, VOCABULARY)[:2], WARNED)


def test_larks_parser_cache_sits_in_the_folder_and_a_damaged_one_is_rebuilt(tmp_path):
    """``tamis valider`` (which always parses) leaves lark's parser tables in the private
    folder; garbage in their place changes nothing the user sees."""
    policy = tmp_path / "p.tamis"
    policy.write_text(WARNED, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "TAMIS_SANS_CACHE"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    command = [sys.executable, "-c", "from tamis.cli.main import main; main()", "valider"]

    def valider():
        done = subprocess.run([*command, str(policy)], env=env, capture_output=True, text=True)
        return done.returncode, done.stdout, done.stderr

    first = valider()
    tables = tmp_path / "xdg" / "tamis" / "politiques" / GRAMMAR_FILE
    assert tables.stat().st_size > 1000 and "W004" in first[1]
    assert valider() == first
    tables.write_bytes(b"pas des tables d'analyse\n")
    assert valider() == first
    assert tables.stat().st_size > 1000  # rewritten by lark
