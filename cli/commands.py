"""The list of ``tamis`` commands; a new command module adds its command here."""

from __future__ import annotations

from tamis.cli.formater import formater
from tamis.cli.valider import valider

ALL: list = [valider, formater]
