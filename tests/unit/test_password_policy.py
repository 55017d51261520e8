"""The password policy (app/security/password_policy.py)."""

from __future__ import annotations

import pytest
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from app.errors import ValidationError
from app.security.password_policy import check_new_password, common_passwords


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("", "at least 8"),
        ("seven77", "at least 8"),
        ("        ", "only whitespace"),
        ("\u3000" * 8, "only whitespace"),  # ideographic spaces
        ("é" * 513, "at most 1024 bytes"),  # 513 characters, 1,026 bytes
        ("x" * 1025, "at most 1024 bytes"),
        ("abc\x00defgh", "control"),
        ("tab\there!", "control"),
        ("password", "too common"),
        ("Password1", "too common"),  # compared case-insensitively
        ("iloveyou", "too common"),
        ("qwertyuiop", "too common"),
    ],
)
def test_refused(password: str, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_new_password(password, "newPassword")
    [detail] = caught.value.field_errors
    assert detail.field == "newPassword" and reason in detail.text()


@pytest.mark.parametrize(
    "password",
    ["ei9ht-8x", "correct horse battery", "Şifre-1234", "x" * 1024, "é" * 512, " padded password "],
)
def test_accepted(password: str) -> None:
    check_new_password(password)


def test_the_list_is_zxcvbns_whole_password_list() -> None:
    # Read from the package's source without importing its other word lists:
    # it must be exactly the list the package itself builds.
    assert common_passwords() == frozenset(FREQUENCY_LISTS["passwords"])
    assert len(common_passwords()) == 30_000
