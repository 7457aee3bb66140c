"""docs/integrators.md's RCF result-code table must match src/facturahub/soap/rcf_codes.py: every
code the RCF profile maps its own keys to, and the lifecycle codes, are documented with the exact
text the profile answers, and no code is documented that the profile does not know."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT

from facturahub.errors import Conflict, InvalidInput
from facturahub.soap import face_codes, rcf_codes

DOC = REPO_ROOT / "docs" / "integrators.md"
ROW = re.compile(r"^\| `(?P<code>\d+)` \| (?P<text>[^|]+) \| (?P<when>[^|]+) \| (?P<todo>[^|]+) \|$")


def _table() -> dict[str, tuple[str, str, str]]:
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index("<!-- rcf-result-codes:start -->"), text.index("<!-- rcf-result-codes:end -->")
    rows: dict[str, tuple[str, str, str]] = {}
    for line in text[start:end].splitlines():
        found = ROW.match(line)
        if found:
            assert found["code"] not in rows, f"code {found['code']} documented twice"
            rows[found["code"]] = (found["text"].strip(), found["when"].strip(), found["todo"].strip())
    return rows


def _produced() -> set[str]:
    """The codes of the RCF's own keys, the lifecycle's and the shared parameter checks."""
    shared = [
        Conflict("lifecycle.final_state", current="2500", target="2600"),
        Conflict("lifecycle.not_forward", current="2400", target="1400"),
        InvalidInput("lifecycle.unknown_status", code="9999"),
        InvalidInput("invoice.registry_number_required"),
        InvalidInput("invoice.too_many", count=501, limit=500),
    ]
    return (
        set(rcf_codes.RESULT_CODES.values())
        | {rcf_codes.result_code(error) for error in shared}
        | {rcf_codes.OK_CODE, face_codes.GENERIC}
    )


def test_every_code_the_rcf_profile_produces_is_documented_with_its_text() -> None:
    rows = _table()
    missing = sorted(_produced() - set(rows))
    assert not missing, "docs/integrators.md's RCF table lacks " + "; ".join(
        f"| `{code}` | {rcf_codes.TEXTS[code]} | … | … |" for code in missing
    )
    for code, (text, when, todo) in rows.items():
        assert code in rcf_codes.TEXTS, f"code {code} is documented but unknown to rcf_codes"
        assert text == rcf_codes.TEXTS[code], f"code {code}: the doc says {text!r}"
        assert when and todo, f"code {code}: say when it happens and what to do"


def test_the_rcf_codes_keep_faces_texts_and_add_their_own() -> None:
    for code, text in face_codes.TEXTS.items():
        assert rcf_codes.TEXTS[code] == text
    assert set(rcf_codes.RCF_TEXTS) == {"501", "502", "505", "511"}
    assert set(rcf_codes.RESULT_CODES.values()) <= set(rcf_codes.TEXTS)


def test_every_rcf_key_has_a_spanish_and_an_english_message() -> None:
    from facturahub import i18n
    from facturahub.services import messages  # noqa: F401  (registers the catalog)

    for key in rcf_codes.RESULT_CODES:
        assert i18n.has_message(key), key
        spanish, english = i18n.translate(key, "es"), i18n.translate(key, "en")
        assert spanish and english and spanish != english, key
