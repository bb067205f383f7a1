"""Line ends unified before anything counts lines: shared by reading a policy (``load``)
and parsing it (``parse``), so that reading need not import the parser."""


def unified_line_ends(source: str) -> str:
    """CRLF (Windows) and a lone CR (old Mac editors) become LF: each is one line end."""
    return source.replace("\r\n", "\n").replace("\r", "\n") if "\r" in source else source
