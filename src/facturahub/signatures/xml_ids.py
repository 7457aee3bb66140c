"""The Id index both signature checks build (WS-Security and XAdES): which element a ``#id``
reference names, with every value unique document-wide (signature wrapping relies on ambiguous
ids). Each caller says which attributes count as ids and which error a duplicate raises."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

# Every attribute of every element, in document order, in one libxml2 pass; ``attrname`` is the
# attribute's Clark name, so an unqualified Id is just "Id".
_ALL_ATTRIBUTES = etree.XPath("descendant-or-self::*/@*")


def index_ids(root: Any, names: tuple[str, ...], duplicate: Callable[[str], Exception]) -> dict[str, Any]:
    """Every value of the attributes ``names`` and its element; a value on two elements raises
    ``duplicate(value)``."""
    wanted = frozenset(names)
    index: dict[str, Any] = {}
    for value in _ALL_ATTRIBUTES(root):
        if value.attrname not in wanted:
            continue
        element = value.getparent()
        if index.setdefault(str(value), element) is not element:
            _refuse_first_duplicate(root, names, duplicate)
    return index


def _refuse_first_duplicate(root: Any, names: tuple[str, ...], duplicate: Callable[[str], Exception]) -> None:
    """Name the value the element-by-element scan (attributes in ``names`` order) meets twice
    first, as the errors always have."""
    index: dict[str, Any] = {}
    for element in root.iter(etree.Element):
        for name in names:
            value = element.get(name)
            if value is not None and index.setdefault(value, element) is not element:
                raise duplicate(value)
    raise AssertionError("a duplicated id was found and then lost")
