import pytest

from facturahub.domain.tax_ids import TaxIdKind, classify, is_valid_nif, normalise_nif
from facturahub.errors import InvalidInput


@pytest.mark.parametrize(
    ("value", "canonical", "kind"),
    [
        ("99999999R", "99999999R", TaxIdKind.DNI),
        ("11111111h", "11111111H", TaxIdKind.DNI),
        ("ES 99999972-C", "99999972C", TaxIdKind.DNI),
        ("X1234567L", "X1234567L", TaxIdKind.NIE),
        ("Y1234567X", "Y1234567X", TaxIdKind.NIE),
        ("A58818501", "A58818501", TaxIdKind.CIF),
        ("B00000018", "B00000018", TaxIdKind.CIF),
        ("P0000001H", "P0000001H", TaxIdKind.CIF),
        ("Q2826000H", "Q2826000H", TaxIdKind.CIF),
        ("K0000001R", "K0000001R", TaxIdKind.KLM),
    ],
)
def test_valid_identifiers_are_normalised(value: str, canonical: str, kind: TaxIdKind) -> None:
    assert normalise_nif(value) == canonical
    assert classify(canonical) is kind


@pytest.mark.parametrize(
    ("value", "expected"),
    [("99999999A", "R"), ("X1234567A", "L"), ("A58818502", "1"), ("P0000001A", "H"), ("B00000011", "8")],
)
def test_wrong_check_character_names_the_expected_one(value: str, expected: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_nif(value)
    assert caught.value.key == "nif.wrong_check"
    assert caught.value.params["expected"] == expected
    assert f"se esperaba {expected}" in caught.value.message("es")
    assert f"expected {expected}" in caught.value.message("en")


@pytest.mark.parametrize("value", ["", "1234", "ABCDEFGHI", "999999999", "I1234567A", "99999999RR"])
def test_malformed_identifiers_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_nif(value)
    assert caught.value.key == "nif.invalid_shape"
    assert not is_valid_nif(value)


def test_cif_with_letter_or_digit_control_where_both_are_allowed() -> None:
    # C, D, F, G, J, U, V accept either form of the control
    assert is_valid_nif("J0000001H") and is_valid_nif("J00000018")
    # A, B, E, H take the digit only; P, Q, R, S, N, W the letter only
    assert not is_valid_nif("B0000001H")
    assert not is_valid_nif("P00000018")
