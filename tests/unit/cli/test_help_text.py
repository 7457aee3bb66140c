"""The Spanish of our commands' and options' help (cli/help_text.py): complete, not stale, and
faithful in what must not be translated."""

from __future__ import annotations

import inspect
import re

import click
import pytest

from facturahub.cli import cli
from facturahub.cli.help_text import SPANISH, help_holders, localise_help

# What a translation keeps as it is: options, variables, commands in backticks, metavars and
# acronyms, wire names (consultarFactura, identificadorEmisor), numbers and codes, click's
# no-rewrap marker.
_KEPT = re.compile(r"--[\w-]+|FACTURAHUB_\w+|`[^`]+`|\b[A-Z][A-Z0-9_]+\b|\b[a-z]+[A-Z]\w*|\d+|\x08")


def _english_texts() -> set[str]:
    localise_help(cli, "en")
    return {inspect.cleandoc(holder.help or "") for holder in help_holders(cli)}


def test_every_help_text_has_its_spanish_and_no_entry_is_stale() -> None:
    english = _english_texts()
    assert len(english) > 100  # the walk reaches every command and option
    assert sorted(english - set(SPANISH)) == []  # a new option or command needs its Spanish
    assert sorted(set(SPANISH) - english) == []  # reworded English leaves a stale entry


@pytest.mark.parametrize("english", sorted(SPANISH))
def test_a_translation_keeps_names_and_codes(english: str) -> None:
    spanish_terms = english.replace("tax id", "NIF")  # the one term Spanish says with an acronym
    assert sorted(_KEPT.findall(SPANISH[english])) == sorted(_KEPT.findall(spanish_terms))
    assert SPANISH[english].count("\n\n") == english.count("\n\n")  # the same paragraphs


def test_the_tree_switches_language_both_ways() -> None:
    localise_help(cli, "es")
    try:
        assert cli.help == "facturahub: punto de entrada de facturas electrónicas."
        serve = cli.commands["serve"]
        assert serve.help == "Sirve el hub por HTTP."
        port = next(p for p in serve.params if isinstance(p, click.Option) and p.name == "port")
        assert port.help == "Puerto de escucha (FACTURAHUB_PORT)."
        localise_help(cli, "en-GB")
        assert (cli.help, serve.help, port.help) == (
            "facturahub: electronic-invoice entry point.",
            "Serve the hub over HTTP.",
            "Listen port (FACTURAHUB_PORT).",
        )
    finally:
        localise_help(cli, "en")
