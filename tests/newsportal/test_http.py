"""newsportal.http: the client's pseudonyms."""

import hashlib
from datetime import UTC, datetime

from newsportal.http import salted_hash


def expected(secret: str, value: str, date: str = "") -> str:
    return hashlib.sha256(f"{secret}{date}|{value}".encode()).hexdigest()


def test_a_salted_hash_is_sha256_of_the_secret_and_the_value(settings):
    settings.SECRET_KEY = "k" * 50

    assert salted_hash("127.0.0.1") == expected("k" * 50, "127.0.0.1")
    assert salted_hash("127.0.0.1") != salted_hash("127.0.0.2")


def test_a_daily_hash_is_salted_with_the_utc_date(settings):
    settings.SECRET_KEY = "k" * 50
    today = datetime.now(UTC).date().isoformat()

    assert salted_hash("127.0.0.1|Firefox", daily=True) == expected("k" * 50, "127.0.0.1|Firefox", today)
    assert salted_hash("127.0.0.1|Firefox", daily=True) != salted_hash("127.0.0.1|Firefox")


def test_another_secret_gives_other_hashes(settings):
    settings.SECRET_KEY = "a" * 50
    first = salted_hash("127.0.0.1", daily=True)
    settings.SECRET_KEY = "b" * 50

    assert salted_hash("127.0.0.1", daily=True) != first
    assert salted_hash("127.0.0.1", daily=True) == expected("b" * 50, "127.0.0.1", datetime.now(UTC).date().isoformat())
