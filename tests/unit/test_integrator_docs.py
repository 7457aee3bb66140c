"""docs/integrators.md's result-code table must match src/facturahub/soap/face_codes.py: every code
facturahub knows is documented with FACe's exact text, and nothing else is, and the "answered as"
column agrees with how the profile answers it (``resultado`` or Fault)."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT

from facturahub.soap import face_codes

DOC = REPO_ROOT / "docs" / "integrators.md"
ROW = re.compile(r"^\| `(?P<code>\d+)` \| (?P<kind>[^|]+) \| (?P<text>[^|]+) \| (?P<todo>[^|]+) \|$")


def _table() -> dict[str, tuple[str, str, str]]:
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index("<!-- result-codes:start -->"), text.index("<!-- result-codes:end -->")
    rows: dict[str, tuple[str, str, str]] = {}
    for line in text[start:end].splitlines():
        found = ROW.match(line)
        if found:
            assert found["code"] not in rows, f"code {found['code']} documented twice"
            rows[found["code"]] = (found["kind"].strip(), found["text"].strip(), found["todo"].strip())
    return rows


def _fault_codes() -> set[str]:
    return set(face_codes._FAULT_CODES.values()) | {"100"}  # wss.*/caller.* default to 100


def _result_codes() -> set[str]:
    # the mapped keys, and the families result_code() maps by prefix or by error class
    return set(face_codes._RESULT_CODES.values()) | {"428", "440", "408", "303", "301", face_codes.GENERIC}


def test_every_face_code_is_in_the_table_with_its_face_text() -> None:
    rows = _table()
    missing = [code for code in face_codes.TEXTS if code not in rows]
    assert not missing, f"docs/integrators.md lacks result codes {missing}; add rows such as " + "; ".join(
        f"| `{code}` | … | {face_codes.TEXTS[code]} | … |" for code in missing
    )
    for code, (_kind, text, todo) in rows.items():
        assert code in face_codes.TEXTS, f"code {code} is documented but unknown to face_codes"
        assert text == face_codes.TEXTS[code], f"code {code}: the doc says {text!r}"
        assert todo, f"code {code}: say what the integrator should do"


def test_every_code_the_mapping_produces_has_a_text() -> None:
    assert (_fault_codes() | _result_codes()) <= set(face_codes.TEXTS)


def test_answered_as_matches_the_profile() -> None:
    for code, (kind, _text, _todo) in _table().items():
        expected = []
        if code in _result_codes() or code == face_codes.OK_CODE:
            expected.append("`resultado`")
        if code in _fault_codes() and code != face_codes.OK_CODE:
            expected.append("Fault")
        assert kind == (" or ".join(expected) or "—"), f"code {code}: {kind!r}, expected {expected}"
