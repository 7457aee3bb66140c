"""click's own messages in Spanish: the catalog keys are click's message ids, read from the
installed click's source, so an upgrade that rewords one cannot leave it silently in English."""

from __future__ import annotations

import ast
import inspect
from types import ModuleType

import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.types
import pytest

from facturahub.cli import usage

# Messages of click's that a user of ours can meet; the rest are errors in a program's own
# declarations ("Name defined twice") or features we do not use (prompts, deprecation).
_EVERY_MESSAGE_OF = (click.exceptions, click.parser, click.types)
_NOT_FOR_OUR_USERS = {
    "Value must be an iterable.",
    "Could not determine name for option with declarations {decls!r}",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.",
    "Boolean option {decl!r} cannot use the same flag for true/false.",
    "Do you want to continue?",
    "Confirm the action without prompting.",
    "%(prog)s, version %(version)s",
}


def _message_ids(module: ModuleType) -> set[str]:
    """Every string constant click passes to ``_`` or ``ngettext`` in ``module``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("_", "ngettext")
        ):
            found |= {
                arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            }
    return found


def _all_ids() -> set[str]:
    modules = (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.types)
    return set().union(*(_message_ids(module) for module in modules)) | {"required"}  # _(extra["required"])


def test_every_translation_is_of_a_message_click_has() -> None:
    stale = set(usage.SPANISH) - _all_ids()
    assert not stale, f"click no longer says: {sorted(stale)}"


def test_every_error_click_can_give_our_users_is_translated() -> None:
    wanted = set().union(*(_message_ids(module) for module in _EVERY_MESSAGE_OF))
    wanted |= {"Missing command.", "Got unexpected extra argument ({args})", "Usage:", "Options", "Commands"}
    missing = wanted - set(usage.SPANISH) - _NOT_FOR_OUR_USERS
    assert not missing, f"not translated: {sorted(missing)}"


def test_spanish_templates_take_the_same_fields() -> None:
    """A Spanish template may leave a field out (a type name click computed in English) but never
    ask for one click does not give: ``format`` would raise a KeyError inside click."""
    import string

    for english, spanish in usage.SPANISH.items():
        given = {name for _, name, _, _ in string.Formatter().parse(english) if name}
        asked = {name for _, name, _, _ in string.Formatter().parse(spanish) if name}
        assert asked <= given, (english, spanish)


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--lang", "en", "serve"], {"--lang": "en"}),
        (
            ["--lang=en", "--json", "--config", "x.toml", "user", "--lang", "es"],
            {"--lang": "en", "--config": "x.toml"},
        ),
        (["--as", "--lang", "serve"], {"--as": "--lang"}),  # --as takes the next word, whatever it is
        (["serve", "--lang", "en"], {}),  # a command's own options are not the group's
        (["--json", "--", "--lang", "en"], {}),
        (["--lang"], {}),
    ],
)
def test_the_group_options_are_read_before_click_parses(
    arguments: list[str], expected: dict[str, str]
) -> None:
    assert usage._leading_options(arguments) == expected
