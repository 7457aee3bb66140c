"""x500_names reads a distinguished name in every dialect real clients write and compares it with a
certificate's name by meaning: one different attribute is a different name, and a name it cannot
read is a ``ValueError`` saying why."""

from __future__ import annotations

import pytest
from tests.x500_dialects import CA_NAME, OTHER_NAMES, WRITTEN, spanish_ca

from facturahub.signatures.x500_names import issuer_matches, name_key, read_name, read_serial_number


@pytest.mark.parametrize("dialect", sorted(WRITTEN))
def test_every_dialect_reads_as_the_certificate_name(dialect: str) -> None:
    assert read_name(WRITTEN[dialect]) == name_key(CA_NAME)


@pytest.mark.parametrize("dialect", sorted(WRITTEN))
def test_every_dialect_matches_a_certificate_issued_by_that_name(dialect: str) -> None:
    ca = spanish_ca()  # self-signed: its issuer is CA_NAME
    assert issuer_matches(WRITTEN[dialect], ca.certificate)


@pytest.mark.parametrize("difference", sorted(OTHER_NAMES))
def test_a_name_differing_in_one_attribute_does_not_match(difference: str) -> None:
    written = OTHER_NAMES[difference]
    assert read_name(written) != name_key(CA_NAME)
    assert not issuer_matches(written, spanish_ca().certificate)


def test_multi_valued_rdns_and_blanks_around_equals() -> None:
    assert read_name("CN = a + OU = b , C = ES") == read_name("C=ES,OU=b,CN=a")


def test_hex_escapes_are_utf8_bytes_of_one_value() -> None:
    assert read_name("CN=Representaci\\C3\\B3n") == (("2.5.4.3", "representación"),)
    assert read_name("CN=a\\,b\\+c\\\\d") == (("2.5.4.3", "a,b+c\\d"),)


def test_an_unescaped_separator_not_followed_by_an_attribute_is_part_of_the_value() -> None:
    assert read_name("O=Foo, S.A.+x,C=ES") == (("2.5.4.10", "foo, s.a.+x"), ("2.5.4.6", "es"))


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("", "empty name"),
        ("CN", "no '='"),
        ("FOO=bar,C=ES", "unknown attribute 'FOO'"),
        ("CN=#zz", "#zz is not hexadecimal"),
        ("CN=#0201ff", "not a BER-encoded string"),  # an INTEGER, not a string
        ("CN=#0c05616263", "length is not 5 bytes"),  # truncated
        ("CN=#1e03616263", "do not match its type"),  # three bytes cannot be UTF-16
        ('CN="abc,C=ES', "unterminated quotes"),
        ("CN=\\FF\\FE", "not UTF-8"),
        (",CN=a", "separator before the first attribute"),
        ("2.5.4.²=x", "unknown attribute"),
    ],
)
def test_unreadable_names_say_why(written: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace("+", r"\+")):
        read_name(written)
    assert not issuer_matches(written, spanish_ca().certificate)


def test_serial_numbers_are_ascii_decimal() -> None:
    assert read_serial_number(" 0042 ") == 42
    assert read_serial_number("9" * 60) == int("9" * 60)
    for bad in ("²", "٣", "-5", "0x1f", "", "9" * 61):
        with pytest.raises(ValueError, match="is not a decimal serial number"):
            read_serial_number(bad)
