"""How `facturahub client` reads a service's ``resultado/codigo``."""

from __future__ import annotations

import pytest

from facturahub.client.calls import is_ok


@pytest.mark.parametrize(
    ("code", "ok"), [("0", True), ("00", True), ("1", False), ("", False), ("0 ", False)]
)
def test_zero_in_ascii_digits_is_success(code: str, ok: bool) -> None:
    assert is_ok(code) is ok


@pytest.mark.parametrize("code", ["²", "٠", "０", "-0", "0x0"])
def test_other_digits_are_not_success_and_raise_nothing(code: str) -> None:
    assert is_ok(code) is False
