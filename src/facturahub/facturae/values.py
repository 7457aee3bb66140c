"""Reading values out of Facturae elements: text, decimals, dates, element paths.

Security rule X4: a value is the element's *full* string value. An element read as a value must
hold nothing but text — a comment, processing instruction or child element inside it (``<A>12<!--
x -->34</A>``) is rejected with ``facturae.value_split`` naming the element's path and line, never
silently concatenated or truncated. CDATA sections are not nodes of their own once parsed (and
canonicalisation turns them into plain text), so ``<A><![CDATA[12]]>34</A>`` is the value ``1234``.

Facturae's child elements are unqualified (no namespace), so children are matched by bare name.
Leading and trailing XML whitespace (space, tab, CR, LF) is not part of a value.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from facturahub.errors import InvalidInput

_XML_SPACE = " \t\r\n"
_DECIMAL = re.compile(r"[+-]?[0-9]{1,30}(\.[0-9]{1,20})?")
_INTEGER = re.compile(r"[+-]?[0-9]{1,9}")
_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?")
_SHOWN = 80


def children(parent: etree._Element | None, name: str) -> list[etree._Element]:
    """The unqualified child elements of ``parent`` called ``name``, in document order."""
    if parent is None:
        return []
    return list(parent.iterchildren(name))  # a bare name matches unqualified elements only


def child(parent: etree._Element | None, name: str) -> etree._Element | None:
    """The only unqualified child element called ``name``, or None.

    Every element read this way occurs at most once in the Facturae schemas; a repeated one is
    refused (``facturae.element_repeated``) rather than resolved by picking one of them, so what
    is processed cannot differ from what another reader of the same document would see.
    """
    found = children(parent, name)
    if len(found) > 1:
        raise InvalidInput(
            "facturae.element_repeated", path=path_of(found[1]), line=found[1].sourceline, count=len(found)
        )
    return found[0] if found else None


def path_of(element: etree._Element) -> str:
    """An XPath-like path of local names, indexed where a name repeats among siblings."""
    parts: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        parent = node.getparent()
        step = etree.QName(node).localname
        if parent is not None:
            same = [sibling for sibling in parent if sibling.tag == node.tag]
            if len(same) > 1:
                step += f"[{same.index(node) + 1}]"
        parts.append(step)
        node = parent
    return "/" + "/".join(reversed(parts))


def path_below(parent: etree._Element | None, *names: str) -> str:
    """The path an element would have below ``parent`` (for errors about missing elements)."""
    base = path_of(parent) if parent is not None else ""
    return "/".join([base, *names])


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _node_label(node: etree._Element) -> str:
    if isinstance(node, etree._Comment):
        return "<!-- -->"
    if isinstance(node, etree._ProcessingInstruction):
        return f"<?{node.target}?>"
    return f"<{etree.QName(node).localname}>"


def text_of(element: etree._Element) -> str:
    """The element's full string value without surrounding XML whitespace (X4-checked)."""
    for node in element:
        full = str(element.xpath("string()"))
        raise InvalidInput(
            "facturae.value_split",
            path=path_of(element),
            line=node.sourceline or element.sourceline,
            node=_node_label(node),
            text=_shown(element.text or ""),
            full=_shown(full),
        )
    return (element.text or "").strip(_XML_SPACE)


def optional_text(parent: etree._Element | None, name: str) -> str | None:
    """The value of child ``name``, or None when it is absent or blank."""
    element = child(parent, name)
    if element is None:
        return None
    value = text_of(element)
    return value or None


def required_element(parent: etree._Element | None, name: str) -> etree._Element:
    element = child(parent, name)
    if element is None:
        raise InvalidInput("facturae.element_missing", path=path_below(parent, name))
    return element


def required_text(parent: etree._Element | None, name: str) -> str:
    value = optional_text(parent, name)
    if value is None:
        raise InvalidInput("facturae.element_missing", path=path_below(parent, name))
    return value


def _decimal_of(element: etree._Element) -> Decimal:
    text = text_of(element)
    if not _DECIMAL.fullmatch(text):
        raise InvalidInput(
            "facturae.amount_format", path=path_of(element), line=element.sourceline, value=_shown(text)
        )
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        raise InvalidInput(
            "facturae.amount_format", path=path_of(element), line=element.sourceline, value=_shown(text)
        ) from None


def optional_decimal(parent: etree._Element | None, name: str) -> Decimal | None:
    element = child(parent, name)
    return None if element is None else _decimal_of(element)


def required_decimal(parent: etree._Element | None, name: str) -> Decimal:
    return _decimal_of(required_element(parent, name))


def required_integer(parent: etree._Element | None, name: str) -> int:
    element = required_element(parent, name)
    text = text_of(element)
    if not _INTEGER.fullmatch(text):
        raise InvalidInput(
            "facturae.amount_format", path=path_of(element), line=element.sourceline, value=_shown(text)
        )
    return int(text)


def decimals_at(parent: etree._Element | None, *steps: str) -> tuple[Decimal, ...]:
    """Every decimal found by walking ``steps`` (each a child name) below ``parent``."""
    level: list[etree._Element] = [parent] if parent is not None else []
    for step in steps:
        level = [found for element in level for found in children(element, step)]
    return tuple(_decimal_of(element) for element in level)


def optional_date(parent: etree._Element | None, name: str) -> date | None:
    """An ``xs:date`` (a timezone suffix is accepted and ignored), or None when absent."""
    element = child(parent, name)
    if element is None:
        return None
    text = text_of(element)
    match = _DATE.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise InvalidInput(
            "facturae.date_format", path=path_of(element), line=element.sourceline, value=_shown(text)
        ) from None


def indexed_paths(parent_path: str, name: str, count: int) -> list[str]:
    """Paths of ``count`` same-named children of the element at ``parent_path``, in linear time
    (``path_of`` counts siblings and is meant for error messages only)."""
    if count == 1:
        return [f"{parent_path}/{name}"]
    return [f"{parent_path}/{name}[{index}]" for index in range(1, count + 1)]


def reject_split_values(root: etree._Element) -> None:
    """Reject any comment or processing instruction that sits inside a text value anywhere below
    ``root`` (X4), not only in the values the reader uses. Comments *between* elements (only
    whitespace around them) are harmless and accepted. One pass: each node is visited once."""
    if next(root.iter(etree.Comment, etree.ProcessingInstruction), None) is None:
        return  # the usual case, found at C speed: nothing that could split a value
    for element in root.iter(etree.Element):
        special = None
        has_text = bool((element.text or "").strip(_XML_SPACE))
        for node in element:
            if special is None and not isinstance(node.tag, str):
                special = node
            if not has_text and (node.tail or "").strip(_XML_SPACE):
                has_text = True
            if special is not None and has_text:
                raise InvalidInput(
                    "facturae.value_split",
                    path=path_of(element),
                    line=special.sourceline or element.sourceline,
                    node=_node_label(special),
                    text=_shown((element.text or "").strip(_XML_SPACE)),
                    full=_shown(str(element.xpath("string()")).strip(_XML_SPACE)),
                )
