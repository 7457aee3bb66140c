"""Fixtures for the facturae tests: the shared Facturae samples and schemas, read in place.

The reference data lives beside the repository (``../shared/data``) and is never copied in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from facturahub.errors import FacturahubError
from facturahub.facturae import SchemaValidator
from facturahub.signatures.xml import parse_xml

REPO_ROOT = Path(__file__).resolve().parents[3]
FACTURAE_DATA = REPO_ROOT.parent / "shared" / "data" / "facturae"

Mutate = Callable[..., etree._ElementTree]


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    assert FACTURAE_DATA.is_dir(), f"shared Facturae data not found at {FACTURAE_DATA}"
    return FACTURAE_DATA / "samples"


@pytest.fixture(scope="session")
def xsd_dir() -> Path:
    return FACTURAE_DATA / "xsd"


@pytest.fixture(scope="session")
def schema_validator(xsd_dir: Path) -> SchemaValidator:
    return SchemaValidator(xsd_dir)


@pytest.fixture
def sample_text(samples_dir: Path) -> Callable[[str], str]:
    def read(name: str) -> str:
        return (samples_dir / name).read_text(encoding="utf-8")

    return read


@pytest.fixture
def load_sample(samples_dir: Path) -> Callable[[str], etree._ElementTree]:
    def load(name: str) -> etree._ElementTree:
        return parse_xml((samples_dir / name).read_bytes())

    return load


def replace_once(text: str, old: str, new: str) -> str:
    """Replace ``old`` by ``new``, insisting it occurs exactly once (a mutation that matches
    nothing would make its test pass for the wrong reason)."""
    count = text.count(old)
    assert count == 1, f"{old!r} occurs {count} times in the sample"
    return text.replace(old, new)


@pytest.fixture
def mutate(sample_text: Callable[[str], str]) -> Mutate:
    """``mutate(sample, (old, new), ...)`` → the parsed sample after those exact replacements."""

    def apply(name: str, *replacements: tuple[str, str]) -> etree._ElementTree:
        text = sample_text(name)
        for old, new in replacements:
            text = replace_once(text, old, new)
        return parse_xml(text.encode("utf-8"))

    return apply


@pytest.fixture
def rendered() -> Callable[[FacturahubError], tuple[str, str]]:
    """Both renderings of an error, asserting every placeholder was filled."""

    def render(error: FacturahubError) -> tuple[str, str]:
        spanish, english = error.message("es"), error.message("en")
        for text in (spanish, english):
            assert not re.search(r"\{[a-z_]+\}", text), f"unfilled placeholder in {text!r}"
            assert not text.startswith("facturae."), f"no message registered: {text!r}"
        return spanish, english

    return render
