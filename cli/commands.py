"""The list of ``tamis`` commands; a new command module adds its command here."""

from __future__ import annotations

ALL: list = []
