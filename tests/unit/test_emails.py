"""The email rule (app/users/emails.py): one address, one spelling."""

from __future__ import annotations

import pytest

from app.users.emails import InvalidEmail, normalize_email

SAME = [
    ("admin@example.org", "admin@example.org"),
    ("  Admin@Example.ORG ", "admin@example.org"),
    ("ADMİN@EXAMPLE.ORG", "admin@example.org"),  # U+0130: lower() alone gives i + U+0307
    ("admın@example.org", "admin@example.org"),  # dotless ı
    ("ＡＤＭＩＮ＠ｅｘａｍｐｌｅ．ｏｒｇ", "admin@example.org"),  # full width, @ and dot too
    ("jose\u0301@example.org", "josé@example.org"),  # NFD and NFC are one address
    ("ﬁle@example.org", "file@example.org"),
    ("\u212aATE@example.org", "kate@example.org"),  # Kelvin sign
    ("straße@example.org", "straße@example.org"),  # lower-casing, not case folding
    ("a@XN--K-FKA.com", "a@kı.com"),  # an IDNA domain has one (Unicode) spelling
    ("a@kı.com", "a@kı.com"),  # ... and in a domain ı stays ı
    ("ΑΔΜΙΝ@example.org", "αδμιν@example.org"),  # Greek alone is fine
    ("админ@пример.рф", "админ@пример.рф"),  # so is Cyrillic
    ("山田taro@example.jp", "山田taro@example.jp"),  # Latin with Han is not a lookalike mix
]


@pytest.mark.parametrize(("given", "stored"), SAME)
def test_spellings_of_one_address_have_one_form(given: str, stored: str) -> None:
    assert normalize_email(given) == stored
    assert normalize_email(stored) == stored  # idempotent: the stored form is a fixed point


REFUSED = [
    ("admin@example.org\u0000", "invisible"),
    ("zz\u0000x@example.org", "invisible"),
    ("admin@example.org\u200b", "invisible"),  # zero-width space
    ("ad\u00admin@example.org", "invisible"),  # soft hyphen
    ("ad\u200dmin@example.org", "invisible"),  # zero-width joiner
    ("admin\u202e@example.org", "invisible"),  # bidi override
    ("admin\ufe0f@example.org", "invisible"),  # variation selector
    ("ad\u3164min@example.org", "invisible"),  # Hangul filler (a letter that shows nothing)
    ("admin@example.org\n", "invisible"),
    ("\u0430dmin@example.org", "Cyrillic"),  # Cyrillic а among Latin letters
    ("p\u03b1ypal@example.org", "Cyrillic"),  # Greek α among Latin letters
    ("admin@\u0435xample.org", "Cyrillic"),  # ... and in a domain label
    ("not-an-email", "valid email address"),
    ("a@localhost", "valid email address"),
    ("a@b", "valid email address"),
    ('"quoted"@example.org', "valid email address"),
    ("a@[127.0.0.1]", "valid email address"),
    ("Name <a@example.org>", "valid email address"),
    ("x" * 65 + "@example.org", "valid email address"),
    ("a b@example.org", "valid email address"),
    ("a@" + ".".join(["b" * 60] * 5) + ".org", "valid email address"),  # 309 characters
    ("x" * 5000, "at most 254"),
]


@pytest.mark.parametrize(("given", "reason"), REFUSED)
def test_refused_addresses_name_the_field(given: str, reason: str) -> None:
    with pytest.raises(InvalidEmail) as caught:
        normalize_email(given)
    [error] = caught.value.field_errors
    assert error.field == "email" and reason in error.text()
    # A ValueError too, so a Struct's __post_init__ reports it as a field error.
    assert isinstance(caught.value, ValueError)
