"""JUnit XML for CI (``tamis tester --junit FICHIER``): one test suite per test file.

The layout CI servers read (Jenkins, GitLab, GitHub actions' reporters): ``<testsuites>``
holding one ``<testsuite>`` per ``.cas.toml`` file, one ``<testcase>`` per case run, a
``<failure>`` carrying the same French block the terminal shows, and an ``<error>`` per
test file whose diagnostics kept cases from running. Written with ``xml.etree``, which
escapes the text.
"""

from __future__ import annotations

import os
import re
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from tamis.cases.report import failure_block
from tamis.cases.run import CaseResult, FileReport, Session
from tamis.grammar.diagnostics import Diagnostic, render


def junit_xml(session: Session) -> bytes:
    root = ET.Element("testsuites", name="tamis tester")
    for report in session.files:
        root.append(_suite(report))
    for problem in session.engine_errors:
        suite = ET.SubElement(root, "testsuite", name="moteurs", tests="1", failures="0")
        suite.set("errors", "1")
        case = ET.SubElement(suite, "testcase", classname="moteurs", name="moteur indisponible")
        ET.SubElement(case, "error", message=problem).text = problem
    _totals(root)
    _writable(root)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


_NOT_XML = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""What XML 1.0 cannot hold, even as a character reference (most control characters,
U+FFFE, U+FFFF), and what it holds but discourages (DEL, the C1 controls): a case name or a
path may have them, from TOML's escapes (``\\u0001``) or from a figé invitation id."""


def _writable(root: ET.Element) -> None:
    """Every text and attribute of the report with such characters escaped as a terminal
    shows them (``\\x01``), so that the file stays well-formed XML."""
    for element in root.iter():
        if element.text:
            element.text = _escaped(element.text)
        for key, value in list(element.attrib.items()):
            element.set(key, _escaped(value))


def _escaped(text: str) -> str:
    return _NOT_XML.sub(_escape, text) if _NOT_XML.search(text) else text


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def write_junit(session: Session, path: Path) -> None:
    """The report in ``path``, whole or not at all: a temporary file beside it, renamed over
    it once written, so that a full disk leaves the previous report (or none), never half of
    one for the CI server to misread; ``OSError`` tells why.

    Through a symbolic link, the file it points to is replaced (the link stays a link). What
    is not a file (``/dev/null``, a pipe a CI job reads) is written to, never replaced: the
    rename put a plain file in the place of the FIFO, and would have replaced ``/dev/null``
    itself for a job run as root."""
    data = junit_xml(session)
    path = path.resolve()
    if path.exists() and not path.is_file():
        with open(path, "wb") as out:  # a folder: IsADirectoryError says so
            out.write(data)
        return
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, _mode(path))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _mode(path: Path) -> int:
    """The permissions a plain write would leave: the file's own, else 0666 less the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _suite(report: FileReport) -> ET.Element:
    """The file's cases run, then an ``<error>`` per case that could not run, and one for the
    file when a problem is the whole file's: as many errors as the terminal's « en erreur »."""
    suite = ET.Element("testsuite", name=str(report.path))
    for result in report.results:
        suite.append(_case(result))
    errors = _errors(report)
    suite.extend(errors)
    failures = sum(1 for r in report.results if not r.passed)
    suite.set("tests", str(len(report.results) + len(errors)))
    suite.set("failures", str(failures))
    suite.set("errors", str(len(errors)))
    return suite


def _errors(report: FileReport) -> list[ET.Element]:
    problems = report.problems
    if problems is None or not problems.found:
        return []
    by_number = {case.number - 1: case for case in report.cases}
    out = []
    for index in sorted(problems.broken_cases()):
        case = by_number.get(index)
        element = _error_case(report, problems.of_case(index), case.name if case else None)
        if case is not None:
            element.set("file", str(report.path))
            element.set("line", str(case.line))
        out.append(element)
    if problems.whole_file():  # with the policy's own diagnostics, when it is why (C012)
        out.append(_error_case(report, problems.of_case(None), None, report.policy_error))
    return out


def _error_case(
    report: FileReport, found: list[Diagnostic], name: str | None, also: str | None = None
) -> ET.Element:
    """A ``<testcase>`` holding an ``<error>``: the diagnostics as the terminal shows them
    (``also``: what the terminal shows after them, the policy's errors)."""
    case = ET.Element("testcase", classname=str(report.policy), name=name or "fichier de cas")
    source = report.problems.source if report.problems else ""
    text = "\n\n".join([*(render(d, source) for d in found), *([also] if also else [])])
    message = text.splitlines()[0] if text else "cas non exécuté"
    ET.SubElement(case, "error", message=message).text = text or message
    return case


def _case(result: CaseResult) -> ET.Element:
    case = ET.Element("testcase", classname=str(result.policy), name=result.case.name)
    case.set("file", str(result.file))
    case.set("line", str(result.case.line))
    if not result.passed:
        message = "; ".join(
            f"{m.what} : attendu {m.expected}, obtenu {m.actual}" for m in result.mismatches
        )
        ET.SubElement(case, "failure", message=message).text = failure_block(result)
    return case


def _totals(root: ET.Element) -> None:
    for key in ("tests", "failures", "errors"):
        root.set(key, str(sum(int(suite.get(key, "0")) for suite in root)))
