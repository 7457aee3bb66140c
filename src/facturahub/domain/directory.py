"""The DIR3 directory: administrations, units and their OG-UT-OC relations.

A directory file is a CSV with one row per relation (the way FACe publishes its directory):

    administracion,administracion_nombre,oc_codigo,oc_nombre,og_codigo,og_nombre,ut_codigo,ut_nombre,activa

English headers are accepted too (``administration_code``, ``office_code``,
``managing_body_code``, ``processing_unit_code``, ``*_name``, ``active``); the delimiter may be
``,`` or ``;``; ``activa`` is optional (``1/0``, ``si/no``, ``true/false``; default active). A unit's
roles (accounting office, managing body, processing unit) are those it plays in the relations.
Rows may repeat each other; a file that contradicts itself (two names for a code in one column,
a relation both active and inactive, a repeated column) is refused naming the lines; a unit a
later line places under another administration keeps the first (``administration_conflicts``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from facturahub.domain.registry import first_control_character
from facturahub.errors import InvalidInput

_UNIT_CODE_ANY_CASE = re.compile(r"[A-Za-z0-9]{1,16}")  # checked before upper-casing: "ſ" is "S"
NAME_MAX = 250  # dir3_administrations.name, dir3_units.name

_ALIASES = {
    "administration_code": (
        "administracion",
        "administracion_codigo",
        "administration",
        "administration_code",
    ),
    "administration_name": ("administracion_nombre", "administration_name"),
    "office_code": ("oc_codigo", "oc", "office_code", "oficina_contable"),
    "office_name": ("oc_nombre", "office_name"),
    "managing_body_code": ("og_codigo", "og", "managing_body_code", "organo_gestor"),
    "managing_body_name": ("og_nombre", "managing_body_name"),
    "processing_unit_code": ("ut_codigo", "ut", "processing_unit_code", "unidad_tramitadora"),
    "processing_unit_name": ("ut_nombre", "processing_unit_name"),
    "active": ("activa", "activo", "active"),
}
_REQUIRED = ("office_code", "managing_body_code", "processing_unit_code")
_TRUE = {"1", "si", "sí", "s", "true", "yes", "y", "t"}
_FALSE = {"0", "no", "n", "false", "f"}


@dataclass
class UnitRecord:
    code: str
    name: str  # the code itself when the file names no name: ``named`` is then False
    administration_code: str | None = None
    is_accounting_office: bool = False
    is_managing_body: bool = False
    is_processing_unit: bool = False
    named: bool = True


@dataclass(frozen=True)
class RelationRecord:
    office_code: str
    managing_body_code: str
    processing_unit_code: str
    active: bool = True


@dataclass(frozen=True)
class AdministrationConflict:
    """Line ``line`` places unit ``code`` under ``other``; line ``kept_line`` placed it under
    ``kept``, which it keeps."""

    code: str
    kept: str
    kept_line: int
    other: str
    line: int


@dataclass
class DirectorySnapshot:
    administrations: dict[str, str] = field(default_factory=dict)  # code → name ("" if unnamed)
    units: dict[str, UnitRecord] = field(default_factory=dict)
    relations: dict[tuple[str, str, str], RelationRecord] = field(default_factory=dict)
    # the first line giving each (column, code) a name, and each relation, to name both lines of
    # a contradiction. A code may have another name in another column (FACe's staging unit is
    # named by role), not two in one.
    first_names: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    relation_lines: dict[tuple[str, str, str], int] = field(default_factory=dict)
    # a unit's administration is the first a line gives it; the lines that give it another are
    # reported (not refused: in a shared service's export one office may serve two).
    administration_lines: dict[str, int] = field(default_factory=dict)
    administration_conflicts: dict[tuple[str, str], AdministrationConflict] = field(default_factory=dict)

    def add_relation(
        self,
        office: tuple[str, str],
        managing_body: tuple[str, str],
        processing_unit: tuple[str, str],
        *,
        administration: tuple[str, str] | None = None,
        active: bool = True,
        line: int = 0,
    ) -> None:
        """Add one row. A row may repeat what an earlier one said, or name what it left unnamed;
        a row that contradicts it (another name, another ``active``) is refused naming both lines:
        which of the two is right only whoever exported the file knows."""
        administration_code = administration[0] if administration else None
        if administration:
            self._agree("administration", administration, line)
            if not self.administrations.get(administration[0]):
                self.administrations[administration[0]] = administration[1]
        for (code, name), role in (
            (office, "is_accounting_office"),
            (managing_body, "is_managing_body"),
            (processing_unit, "is_processing_unit"),
        ):
            unit = self.units.get(code)
            if unit is None:
                unit = self.units[code] = UnitRecord(code, name or code, named=bool(name))
            elif name and not unit.named:
                unit.name, unit.named = name, True
            self._agree(role, (code, name), line)
            if administration_code:
                self._place(unit, administration_code, line)
            setattr(unit, role, True)
        key = (office[0], managing_body[0], processing_unit[0])
        earlier = self.relations.get(key)
        first_line = self.relation_lines.setdefault(key, line)
        if earlier is not None and earlier.active != active:
            raise InvalidInput(
                "directory.relation_conflict", line=line, first_line=first_line, relation="/".join(key)
            )
        self.relations[key] = RelationRecord(*key, active=active)

    def _place(self, unit: UnitRecord, administration_code: str, line: int) -> None:
        if not unit.administration_code:
            unit.administration_code = administration_code
            self.administration_lines[unit.code] = line
        elif unit.administration_code != administration_code:
            self.administration_conflicts.setdefault(
                (unit.code, administration_code),
                AdministrationConflict(
                    code=unit.code,
                    kept=unit.administration_code,
                    kept_line=self.administration_lines.get(unit.code, 0),
                    other=administration_code,
                    line=line,
                ),
            )

    def _agree(self, column: str, named: tuple[str, str], line: int) -> None:
        """The name ``named`` gives a code in ``column`` against the one an earlier line gave it."""
        code, name = named
        if not name:
            return
        first_line, previous = self.first_names.setdefault((column, code), (line, name))
        if previous != name:
            raise InvalidInput(
                "directory.name_conflict",
                line=line,
                code=code,
                name=name,
                first_line=first_line,
                previous=previous,
            )


def normalise_unit_code(value: str, *, field_name: str = "code", line: int | None = None) -> str:
    code = (value or "").strip()
    if not _UNIT_CODE_ANY_CASE.fullmatch(code):
        raise InvalidInput("directory.code_invalid", field=field_name, value=value, line=line or "-")
    return code.upper()


def parse_directory_csv(data: bytes) -> DirectorySnapshot:
    """Parse a directory CSV; raise ``InvalidInput`` naming the line and column of the first error."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InvalidInput("directory.encoding", line=line, detail=exc.reason) from None
    return parse_directory_rows(_rows(text))


def _records(reader: Any) -> Iterator[list[str]]:
    """The reader's records; a record the csv module cannot read (a field over its limit of
    131,072 characters) is refused naming the line where that record starts."""
    line = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidInput("directory.csv_invalid", line=line + 1, detail=str(exc)) from None
        line = reader.line_num
        yield row


DELIMITERS = (",", ";", "\t")  # a tie (a one-column header) is read as commas


def _delimiter(text: str) -> str:
    """``,``, ``;`` or a tab (a spreadsheet's tab-delimited export), whichever the header holds
    most: the first line that is not blank. Column names hold none of them, whereas names may hold
    many of one (``"Servicio; Sección; Negociado"``)."""
    for line in text.splitlines():
        if line.strip():
            return max(DELIMITERS, key=line.count)
    return ","


def _rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    delimiter = _delimiter(text)
    # newline="": the csv module sees every line ending as it is (\n, \r\n, or a lone \r)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    line = 0
    for row in _records(reader):
        first_line, line = line + 1, reader.line_num  # a quoted field may span lines
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = _canonical_header(row)
            continue
        if any("\n" in cell or "\r" in cell for cell in row):
            raise InvalidInput("directory.line_break_in_field", line=first_line)
        if len(row) != len(header):
            raise InvalidInput("directory.column_count", line=line, expected=len(header), found=len(row))
        yield line, {name: value.strip() for name, value in zip(header, row, strict=True)}
    if header is None:
        raise InvalidInput("directory.empty")


def _canonical_header(row: list[str]) -> list[str]:
    lookup = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}
    header = []
    for cell in row:
        key = cell.strip().lower().replace(" ", "_").replace("-", "_")
        name = lookup.get(key, key)
        if name in _ALIASES and name in header:
            raise InvalidInput("directory.column_repeated", column=cell.strip())
        header.append(name)
    missing = [name for name in _REQUIRED if name not in header]
    if missing:
        raise InvalidInput("directory.missing_columns", columns=", ".join(_ALIASES[m][0] for m in missing))
    return header


def parse_directory_rows(rows: Iterable[tuple[int, dict[str, str]]]) -> DirectorySnapshot:
    """The snapshot a file describes; a file with a header and no rows is refused (a truncated
    export imported in full would deactivate the whole directory)."""
    snapshot = DirectorySnapshot()
    for line, row in rows:
        administration = None
        if row.get("administration_code"):
            admin_code = normalise_unit_code(
                row["administration_code"], field_name="administracion", line=line
            )
            administration = (admin_code, _name(row, "administration_name", line))
        parts = []
        for prefix in ("office", "managing_body", "processing_unit"):
            code = normalise_unit_code(row[f"{prefix}_code"], field_name=f"{prefix}_code", line=line)
            parts.append((code, _name(row, f"{prefix}_name", line)))
        snapshot.add_relation(
            parts[0],
            parts[1],
            parts[2],
            administration=administration,
            active=_flag(row.get("active"), line),
            line=line,
        )
    if not snapshot.relations:
        raise InvalidInput("directory.no_rows")
    return snapshot


def _name(row: dict[str, str], column: str, line: int) -> str:
    """A unit's or administration's name as the store keeps it: one line of at most ``NAME_MAX``."""
    name = row.get(column, "")
    field_name = _ALIASES[column][0]
    if len(name) > NAME_MAX:
        raise InvalidInput(
            "directory.name_too_long", line=line, field=field_name, length=len(name), limit=NAME_MAX
        )
    control = first_control_character(name)
    if control is not None:
        raise InvalidInput("directory.name_control_character", line=line, field=field_name, character=control)
    return name


def _flag(value: str | None, line: int) -> bool:
    if value is None or value == "":
        return True
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidInput("directory.flag_invalid", line=line, value=value)


def sandbox_directory() -> DirectorySnapshot:
    """FACe's staging units and the units the reference samples are addressed to."""
    snapshot = DirectorySnapshot()
    snapshot.add_relation(
        ("P00000010", "Oficina contable de pruebas"),
        ("P00000010", "Órgano gestor de pruebas"),
        ("P00000010", "Unidad tramitadora de pruebas"),
        administration=("P00000010", "Administración de pruebas (FACe)"),
    )
    snapshot.add_relation(
        ("DFB0", "Diputación Foral de Bizkaia / Bizkaiko Foru Aldundia"),
        ("020110", "Servicio de SS.GG. Sostenibilidad y Medio Natural"),
        ("0201", "Servicios Centrales / Zerbitzu Nagusiak"),
        administration=("DFB0", "Diputación Foral de Bizkaia"),
    )
    snapshot.add_relation(
        ("L01280796", "Ayuntamiento de Madrid - Oficina contable"),
        ("LA0007407", "Órgano gestor LA0007407"),
        ("LA0007408", "Unidad tramitadora LA0007408"),
        administration=("L01280796", "Ayuntamiento de Madrid"),
    )
    return snapshot
