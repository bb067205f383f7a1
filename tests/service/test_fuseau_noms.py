"""The names a workspace's ``fuseau`` takes: places of the IANA base, nothing else.

A zone base also holds files that name no place: ``localtime`` (the server's own zone,
which docs/web.md says is no reader's), ``posixrules`` and ``Factory`` (shown « -00 »).
They were taken as zones; a user who wrote one meant something else.
"""

from __future__ import annotations

import pytest

from tamis.service.config import time_zone


@pytest.mark.parametrize("name", ["localtime", "posixrules", "Factory", " localtime "])
def test_a_file_of_the_base_that_names_no_place_is_no_fuseau(name):
    assert time_zone(name) is None


@pytest.mark.parametrize("name", ["America/Toronto", "America/Montreal", "Europe/Paris", "UTC"])
def test_a_place_is_a_fuseau(name):
    assert str(time_zone(name)) == name
