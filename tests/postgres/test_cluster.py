"""The throwaway server the PostgreSQL tests run against is real and answers on loopback."""

import psycopg


def test_the_test_server_is_a_real_postgresql_on_loopback(pg_url):
    with psycopg.connect(pg_url) as connection:
        version = connection.execute("SHOW server_version").fetchone()[0]
        address = connection.execute("SELECT inet_server_addr()").fetchone()[0]
    assert int(version.split(".")[0]) >= 13
    assert str(address) == "127.0.0.1"
