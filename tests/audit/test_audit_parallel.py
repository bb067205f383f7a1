"""Reading in blocks and ranges: the parallel verifier and searches agree with one pass."""

from __future__ import annotations

import itertools
import os

import orjson
import pytest
from conftest import fill

from tamis.audit import blocks
from tamis.audit.queries import parse_filter, search, select, summary
from tamis.audit.reader import iter_lines
from tamis.audit.verify import verify_journal

FORCED = {"length": 1500, "parallel_from": 0, "processes": 2}  # ranges of a few lines


@pytest.fixture
def lines(journal_path, policy):
    fill(journal_path, policy, 40)  # 42 records of ~1.7 kB: about 30 ranges
    return journal_path.read_bytes().splitlines(keepends=True)


def both(path):
    return verify_journal(path, parallel=False), verify_journal(path, **FORCED)


def test_ranges_cut_at_line_boundaries_and_cover_the_file(journal_path, lines):
    with open(journal_path, "rb") as stream:
        size = os.fstat(stream.fileno()).st_size
        ranges = blocks.split(stream.fileno(), size, 1000)
    assert ranges[0].start == 0 and ranges[-1].end == size and ranges[-1].last
    assert all(a.end == b.start for a, b in itertools.pairwise(ranges))
    data = journal_path.read_bytes()
    assert all(data[r.start - 1 : r.start] == b"\n" for r in ranges[1:])


def test_blocks_carry_lines_across_block_boundaries(journal_path, lines, monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK", 777)  # much smaller than a line
    assert [line + b"\n" for _, line in iter_lines(journal_path)] == lines


def test_intact_journal_gives_the_same_result_in_parallel(journal_path, lines):
    sequential, parallel = both(journal_path)
    assert sequential == parallel and parallel.ok and parallel.count == 42


@pytest.mark.parametrize(
    "tamper",
    ["alter", "delete", "swap", "duplicate", "garbage", "truncate", "delete_at_seam"],
)
def test_parallel_verifier_finds_the_same_first_broken_record(journal_path, lines, tamper):
    if tamper == "alter":
        lines[20] = lines[20].replace(b'"id":"inv-', b'"id":"xnv-')
    elif tamper == "delete":
        del lines[25]
    elif tamper == "swap":
        lines[30], lines[31] = lines[31], lines[30]
    elif tamper == "duplicate":
        lines.insert(12, lines[5])
    elif tamper == "garbage":
        lines[33] = b"pas du json\n"
    elif tamper == "truncate":
        lines[-1] = lines[-1][:100]
    else:  # the first line of a range: only the seam check can see it
        with open(journal_path, "rb") as stream:
            cut = blocks.split(stream.fileno(), os.fstat(stream.fileno()).st_size, 1500)[5]
        offsets = [0]
        for line in lines:
            offsets.append(offsets[-1] + len(line))
        del lines[offsets.index(cut.start)]
    journal_path.write_bytes(b"".join(lines))
    sequential, parallel = both(journal_path)
    assert not sequential.ok and sequential == parallel


def test_reformatted_line_in_a_range_still_verifies_in_parallel(journal_path, lines):
    record = orjson.loads(lines[17])
    lines[17] = orjson.dumps(record, option=orjson.OPT_INDENT_2).replace(b"\n", b" ") + b"\n"
    journal_path.write_bytes(b"".join(lines))
    sequential, parallel = both(journal_path)
    assert parallel.ok and sequential == parallel


def test_search_in_parallel_gives_the_rows_of_one_pass_in_order(journal_path, lines):
    for options in ({"decisions": ["refuser"]}, {}, {"rules": ["ligne 5"], "sender": "p3"}):
        flt = parse_filter(**options)
        expected = [summary(record) for record in select(journal_path, flt)]
        assert list(search(journal_path, flt, **FORCED)) == expected
        assert list(search(journal_path, flt)) == expected


def test_stats_counted_in_parallel_equal_one_pass(journal_path, lines):
    from tamis.audit.queries import journal_stats
    from tamis.audit.stats import compute_stats

    for per in ("jour", "semaine"):
        expected = compute_stats(select(journal_path, parse_filter()), per).as_dict()
        assert journal_stats(journal_path, parse_filter(), per, **FORCED).as_dict() == expected


def test_parallel_search_names_an_unreadable_line_and_reports_a_torn_one(journal_path, lines):
    lines[29] = b'{"contenu":{"pas":"fini"\n'
    lines.append(b'{"contenu":{"id":"coup')
    journal_path.write_bytes(b"".join(lines))
    from tamis.audit.errors import JournalError

    with pytest.raises(JournalError, match=r"jsonl:30 : ligne illisible"):
        list(search(journal_path, parse_filter(), **FORCED))
    del lines[29]
    journal_path.write_bytes(b"".join(lines))
    warnings: list[str] = []
    rows = list(search(journal_path, parse_filter(), warnings.append, **FORCED))
    assert len(rows) == 39 and "journal.jsonl:42 : dernière ligne incomplète" in warnings[0]


def test_stopping_a_parallel_search_early_leaves_no_worker_behind(journal_path, lines):
    import itertools
    import multiprocessing

    for _ in range(5):  # what ``chercher --limite 3`` does
        rows = search(journal_path, parse_filter(), **FORCED)
        assert len(list(itertools.islice(rows, 3))) == 3
        rows.close()
    assert multiprocessing.active_children() == []


def test_lines_rewritten_by_another_program_are_intact_but_counted(journal_path, lines):
    """Spaces after separators, keys out of order, \\u escapes: the record is intact (its
    digest is of its canonical form), but the line is not as tamis wrote it."""
    import json

    assert [(r.rewritten, r.first_rewritten) for r in both(journal_path)] == [(0, None)] * 2
    spaced = json.loads(lines[7])
    lines[7] = json.dumps(spaced, ensure_ascii=False).encode() + b"\n"
    unsorted = json.loads(lines[20])
    reordered = {key: unsorted[key] for key in reversed(list(unsorted))}
    lines[20] = json.dumps(reordered, separators=(",", ":")).encode() + b"\n"  # and \u escapes
    journal_path.write_bytes(b"".join(lines))
    for result in both(journal_path):
        assert result.ok and result.count == 42
        assert (result.rewritten, result.first_rewritten) == (2, 8)
