"""click's own words (usage errors, the help's headings) in the CLI's language.

click marks its messages for ``gettext`` and looks them up, in each of its modules, through the
module's ``_`` and ``ngettext`` names when it raises. :func:`use_language` points those names at
our catalog below, whose keys are click's English message ids: a usage error then reads
"Error: No existe la opción '--bogus'." in Spanish, the default, like every other CLI message.
tests/unit/cli/test_usage_messages.py checks each key against the installed click, so an upgrade
that rewords a message cannot silently leave it in English.

The language is decided before click parses anything (an error may come from the parsing itself):
``--lang`` among the leading options, else the settings' (``FACTURAHUB_LANGUAGE`` or the TOML file
named by ``--config``), else Spanish.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.types

from facturahub.i18n import normalise_language, supported_language, translate

_CLICK_MODULES: tuple[ModuleType, ...] = (
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.types,
)

# click's message id → Spanish. Where click's template starts with a type's name computed when our
# commands are defined ("File", "Path"), the Spanish one leaves it out (``format`` ignores it).
SPANISH: dict[str, str] = {
    # exceptions.py
    "Did you mean {possibility}?": "¿Quería decir {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(¿Quería decir alguna de estas: {possibilities}?)",
    "Error: {message}": "Error: {message}",
    "Try '{command} {option}' for help.": "Pruebe '{command} {option}' para ver la ayuda.",
    "Invalid value: {message}": "Valor no válido: {message}",
    "Invalid value for {param_hint}: {message}": "Valor no válido para {param_hint}: {message}",
    "Missing argument": "Falta el argumento",
    "Missing option": "Falta la opción",
    "Missing parameter": "Falta el parámetro",
    "Missing {param_type}": "Falta {param_type}",
    "Missing parameter: {param_name}": "Falta el parámetro: {param_name}",
    "No such option {name!r}.": "No existe la opción {name!r}.",
    "No such command {name!r}.": "No existe el comando {name!r}.",
    "unknown error": "error desconocido",
    "Could not open file {filename!r}: {message}": "No se puede abrir el fichero {filename!r}: {message}",
    # parser.py
    "Invalid start character for option ({option})": "Carácter inicial no válido para una opción ({option})",
    "Option {name!r} does not take a value.": "La opción {name!r} no lleva valor.",
    "Option {name!r} requires an argument.": "La opción {name!r} necesita un valor.",
    "Option {name!r} requires {nargs} arguments.": "La opción {name!r} necesita {nargs} valores.",
    "Argument {name!r} takes {nargs} values.": "El argumento {name!r} lleva {nargs} valores.",
    # types.py
    "file": "fichero",
    "directory": "directorio",
    "path": "ruta",
    "Choose from:\n\t{choices}": "Elija entre:\n\t{choices}",
    "{value!r} is not {choice}.": "{value!r} no es {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} no es ninguno de {choices}.",
    "Choice({choices})": "Choice({choices})",
    "{value!r} does not match the format {format}.": "{value!r} no sigue el formato {format}.",
    "{value!r} does not match the formats {formats}.": (
        "{value!r} no sigue ninguno de los formatos {formats}."
    ),
    "{value!r} is not a valid {number_type}.": "{value!r} no es un número válido.",
    "{value} is not in the range {range}.": "{value} está fuera del intervalo {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r} no es un valor lógico válido. Valores reconocidos: {states}"
    ),
    "{value!r} is not a valid UUID.": "{value!r} no es un UUID válido.",
    "{name} {filename!r} does not exist.": "No existe {filename!r}.",
    "{name} {filename!r} is a file.": "{filename!r} es un fichero.",
    "{name} {filename!r} is a directory.": "{filename!r} es un directorio.",
    "{name} {filename!r} is not readable.": "No se puede leer {filename!r}.",
    "{name} {filename!r} is not writable.": "No se puede escribir en {filename!r}.",
    "{name} {filename!r} is not executable.": "{filename!r} no es ejecutable.",
    "{len_type} values are required, but {len_value} was given.": (
        "Hacen falta {len_type} valores y se ha dado {len_value}."
    ),
    "{len_type} values are required, but {len_value} were given.": (
        "Hacen falta {len_type} valores y se han dado {len_value}."
    ),
    # core.py
    "Aborted!": "Cancelado.",
    "Missing command.": "Falta el comando.",
    "Got unexpected extra argument ({args})": "Sobra un argumento ({args})",
    "Got unexpected extra arguments ({args})": "Sobran argumentos ({args})",
    "Takes {nargs} values but 1 was given.": "Lleva {nargs} valores y se ha dado 1.",
    "Takes {nargs} values but {len} were given.": "Lleva {nargs} valores y se han dado {len}.",
    "Options": "Opciones",
    "Commands": "Comandos",
    "Positional arguments": "Argumentos",
    "env var: {var}": "variable de entorno: {var}",
    "default: {default}": "por defecto: {default}",
    "(dynamic)": "(dinámico)",
    "required": "obligatorio",
    "deprecated": "obsoleto",
    # decorators.py, formatting.py
    "Show this message and exit.": "Muestra esta ayuda y termina.",
    "Show the version and exit.": "Muestra la versión y termina.",
    "Usage:": "Uso:",
}

# Until :func:`use_language` (``main`` calls it before click parses): click's own English, and ours
# in the same language, for a caller that runs the ``cli`` group itself.
_language = "en"


def use_language(language: str) -> None:
    """Speak ``language`` in click's own messages (and in :func:`usage_text`) from now on."""
    global _language
    _language = normalise_language(language)
    for module in _CLICK_MODULES:
        vars(module).update(_=_gettext, ngettext=_ngettext)


def usage_text(key: str, /, **params: object) -> str:
    """One of our messages for a usage error (an option type's refusal), in the CLI's language."""
    return translate(key, _language, **params)


def language_of_arguments(arguments: Sequence[str]) -> str:
    """The language a run of ``facturahub ARGUMENTS`` speaks (see the module docstring)."""
    from facturahub.cli.context import CLIContext

    options = _leading_options(arguments)
    chosen = options.get("--lang")
    try:
        language = supported_language(chosen) if chosen is not None else None
    except ValueError:  # refused, in the settings' language, when click reads it
        language = None
    config = options.get("--config")
    context = CLIContext(config_file=Path(config) if config and config.strip() else None, language=language)
    return context.message_language()


_VALUED_OPTIONS = frozenset({"--config", "--lang", "--as", "--on-behalf-of"})


def _leading_options(arguments: Sequence[str]) -> dict[str, str]:
    """The group's own options, before the first command name (``--lang en``, ``--lang=en``)."""
    found: dict[str, str] = {}
    position = 0
    while position < len(arguments) and arguments[position].startswith("-") and arguments[position] != "--":
        name, equals, value = arguments[position].partition("=")
        if name in _VALUED_OPTIONS and not equals:
            if position + 1 >= len(arguments):
                break
            position += 1
            value = arguments[position]
        if name in _VALUED_OPTIONS:
            found[name] = value
        position += 1
    return found


def _gettext(message: str) -> str:
    return SPANISH.get(message, message) if _language == "es" else message


def _ngettext(singular: str, plural: str, count: int) -> str:
    return _gettext(singular if count == 1 else plural)
