"""A workspace's ``fuseau`` where the system has no time zone base.

Windows, macOS without it and slim containers have no ``/usr/share/zoneinfo``: there,
``tamis servir --fuseau America/Toronto`` said « fuseau horaire inconnu », and even the UTC
the pages show by default could not be named. Python's ``zoneinfo`` then reads the
``tzdata`` package, which tamis depends on.
"""

from __future__ import annotations

import os
import subprocess
import sys

SHOW = (
    "from tamis.service.config import UTC_ZONE, time_zone; "
    "print(time_zone('America/Toronto'), time_zone('Amerique/Quebec'), UTC_ZONE)"
)


def test_a_fuseau_is_found_where_the_system_has_no_zone_base(tmp_path):
    empty = tmp_path / "aucune-base"
    empty.mkdir()
    env = {**os.environ, "PYTHONTZPATH": str(empty)}  # zoneinfo's search path: nothing there
    done = subprocess.run(
        [sys.executable, "-c", SHOW], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["America/Toronto", "None", "UTC"]
