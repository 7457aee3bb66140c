"""Optional validation against the Facturae 3.2 / 3.2.1 / 3.2.2 XSDs of a configured directory.

The directory holds ``Facturaev3_2.xsd``, ``Facturaev3_2_1.xsd``, ``Facturaev3_2_2.xsd`` and the
``xmldsig-core-schema.xsd`` they import by relative location. Compiling never touches the network:
the schemas are parsed with ``no_network`` and a resolver that serves only files inside the
directory and refuses everything else (``http:``, other directories) — so a schema that names a
remote import fails loudly at start-up instead of silently skipping it. Compiled schemas are cached
per directory; validation is serialised per schema (an lxml schema's error log is shared state).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import etree

from facturahub.errors import ConfigurationError, InvalidInput
from facturahub.facturae.versions import FacturaeVersion, detect_version

_MORE_ERRORS_SHOWN = 2
# libxml2 initialises its built-in schema types lazily and not thread-safely: two threads compiling
# at once (the first requests after a start) can fail with "xmlSchemaPValAttrNodeValue, the given
# type is not a built-in type". Compilation is therefore serialised.
_COMPILE_LOCK = threading.Lock()


class _ResourceRefusedError(Exception):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def _local_path(url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme == "file" and parts.netloc in ("", "localhost"):
        return Path(unquote(parts.path))
    if parts.scheme == "" and url.startswith("/"):
        return Path(url)
    return None


class _LocalDirectoryResolver(etree.Resolver):  # type: ignore[misc]
    """Serves files inside one directory; refuses every other URL."""

    def __init__(self, directory: Path) -> None:
        super().__init__()
        self._directory = directory

    def resolve(self, system_url: str | None, public_id: str | None, context: Any) -> Any:
        path = _local_path(system_url or "")
        if path is not None:
            path = path.resolve()
            if path.is_relative_to(self._directory) and path.is_file():
                return self.resolve_filename(str(path), context)
        raise _ResourceRefusedError(system_url or public_id or "")


@dataclass
class _CompiledSchema:
    schema: etree.XMLSchema
    lock: threading.Lock = field(default_factory=threading.Lock)


def _compile_directory(directory: Path) -> Mapping[FacturaeVersion, _CompiledSchema]:
    with _COMPILE_LOCK:
        return _compile_directory_once(directory)


@lru_cache(maxsize=8)
def _compile_directory_once(directory: Path) -> Mapping[FacturaeVersion, _CompiledSchema]:
    parser = etree.XMLParser(
        no_network=True, resolve_entities=False, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    parser.resolvers.add(_LocalDirectoryResolver(directory))
    compiled: dict[FacturaeVersion, _CompiledSchema] = {}
    for version in FacturaeVersion:
        path = directory / version.schema_file
        if not path.is_file():
            raise ConfigurationError(
                "facturae.schema_dir", path=str(directory), detail=f"{path.name} not found"
            )
        try:
            compiled[version] = _CompiledSchema(etree.XMLSchema(etree.parse(str(path), parser)))
        except _ResourceRefusedError as refused:
            detail = f"{path.name} needs {refused.url}, outside the directory (never fetched)"
            raise ConfigurationError("facturae.schema_dir", path=str(directory), detail=detail) from None
        except (OSError, etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
            detail = f"{path.name}: {exc}"
            raise ConfigurationError("facturae.schema_dir", path=str(directory), detail=detail) from None
    return compiled


class SchemaValidator:
    """Validates Facturae documents against the XSDs of ``schema_dir`` (compiled once)."""

    def __init__(self, schema_dir: str | Path) -> None:
        directory = Path(schema_dir).resolve()
        if not directory.is_dir():
            raise ConfigurationError("facturae.schema_dir", path=str(directory), detail="not a directory")
        self.schema_dir = directory
        self._schemas = _compile_directory(directory)

    def validate(self, tree: etree._ElementTree | etree._Element) -> FacturaeVersion:
        """Validate against the schema of the document's version; return that version.

        Raises ``facturae.version_unknown`` (430) or ``facturae.schema_invalid`` (408) naming the
        first error's element path, line and message, the next few errors and how many there were.
        """
        version = detect_version(tree)
        compiled = self._schemas[version]
        with compiled.lock:
            valid = compiled.schema.validate(tree)
            errors = list(compiled.schema.error_log)
        if valid:
            return version
        first = errors[0] if errors else None
        others = "".join(  # path:line, the same in every language (libxml2's text is English)
            f"; {error.path or '?'}:{error.line}: {error.message}"
            for error in errors[1 : 1 + _MORE_ERRORS_SHOWN]
        )
        raise InvalidInput(
            "facturae.schema_invalid",
            version=version.value,
            path=(first.path if first is not None else None) or "/",
            line=first.line if first is not None else 0,
            detail=first.message if first is not None else "",
            others=others,
            count=len(errors),
        )
