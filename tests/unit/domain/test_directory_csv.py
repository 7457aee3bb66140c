import pytest

from facturahub.domain.directory import parse_directory_csv, sandbox_directory
from facturahub.errors import InvalidInput

CSV = """administracion,administracion_nombre,oc_codigo,oc_nombre,og_codigo,og_nombre,ut_codigo,ut_nombre,activa
E04921401,Ministerio X,GE0001,Oficina contable,E00001,Órgano gestor,GE0002,Unidad A,1
E04921401,Ministerio X,GE0001,Oficina contable,E00001,Órgano gestor,GE0003,Unidad B,no
"""


def test_relation_rows_give_units_with_roles_and_relations() -> None:
    snapshot = parse_directory_csv(CSV.encode())
    assert snapshot.administrations == {"E04921401": "Ministerio X"}
    office = snapshot.units["GE0001"]
    assert (office.is_accounting_office, office.is_managing_body, office.is_processing_unit) == (
        True,
        False,
        False,
    )
    assert snapshot.units["GE0003"].is_processing_unit and snapshot.units["GE0003"].name == "Unidad B"
    assert snapshot.relations[("GE0001", "E00001", "GE0002")].active is True
    assert snapshot.relations[("GE0001", "E00001", "GE0003")].active is False


def test_english_headers_semicolons_and_bom_are_accepted() -> None:
    text = "\ufeffoffice_code;managing_body_code;processing_unit_code\nge1;og1;ut1\n"
    snapshot = parse_directory_csv(text.encode())
    assert set(snapshot.units) == {"GE1", "OG1", "UT1"}
    assert ("GE1", "OG1", "UT1") in snapshot.relations


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ("oc_codigo,og_codigo\nA,B\n", "directory.missing_columns", None),
        ("oc_codigo,og_codigo,ut_codigo\nA,B\n", "directory.column_count", 2),
        ("oc_codigo,og_codigo,ut_codigo\nA,B,C\nA,B-1,C\n", "directory.code_invalid", 3),
        ("oc_codigo,og_codigo,ut_codigo,activa\nA,B,C,quizá\n", "directory.flag_invalid", 2),
        ("", "directory.empty", None),
    ],
)
def test_errors_name_the_line(text: str, key: str, line: int | None) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_directory_csv(text.encode())
    assert caught.value.key == key
    if line is not None:
        assert caught.value.params["line"] == line
        assert f"Línea {line}" in caught.value.message("es")


def test_non_utf8_file_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_directory_csv("oc_codigo,og_codigo,ut_codigo\nÁ,B,C\n".encode("latin-1"))
    assert caught.value.key == "directory.encoding"


def test_sandbox_directory_has_face_staging_and_sample_units() -> None:
    snapshot = sandbox_directory()
    assert ("P00000010", "P00000010", "P00000010") in snapshot.relations
    assert ("DFB0", "020110", "0201") in snapshot.relations
    assert ("L01280796", "LA0007407", "LA0007408") in snapshot.relations
    staging = snapshot.units["P00000010"]
    assert staging.is_accounting_office and staging.is_managing_body and staging.is_processing_unit
