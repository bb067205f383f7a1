"""The list of ``tamis`` commands; a new command module adds its command here."""

from __future__ import annotations

from tamis.cli.decider import decider
from tamis.cli.formater import formater
from tamis.cli.journal import journal
from tamis.cli.rejouer import rejouer
from tamis.cli.valider import valider

ALL: list = [valider, formater, decider, rejouer, journal]
