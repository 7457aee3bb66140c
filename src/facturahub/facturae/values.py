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
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import NoReturn

from lxml import etree

from facturahub.errors import InvalidInput

_XML_SPACE = " \t\r\n"
_DECIMAL = re.compile(r"[+-]?[0-9]{1,30}(\.[0-9]{1,20})?")
_INTEGER = re.compile(r"[+-]?[0-9]{1,9}")
# xs:double's finite lexical forms (INF and NaN are not quantities), exponent bounded.
_DOUBLE = re.compile(r"[+-]?([0-9]{1,30}(\.[0-9]{0,20})?|\.[0-9]{1,20})([eE][+-]?[0-9]{1,3})?")
_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?")
_SHOWN = 80

# Amounts already parsed, by text: invoices repeat the same few (rates, zero discounts, the same
# price on many lines) and a Decimal made from a string is exact and immutable, so reusing one
# cannot differ from parsing again. Bounded: emptied whenever it fills up.
_decimals_seen: dict[str, Decimal] = {}
_DECIMALS_KEPT = 4096


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
    if len(element):  # any child node at all: element, comment, processing instruction, entity
        node = element[0]
        raise InvalidInput(
            "facturae.value_split",
            path=path_of(element),
            line=node.sourceline or element.sourceline,
            node=_node_label(node),
            text=_shown(element.text or ""),
            full=_shown(str(element.xpath("string()"))),
        )
    return (element.text or "").strip(_XML_SPACE)


def _format_error(element: etree._Element, text: str, key: str = "facturae.amount_format") -> InvalidInput:
    return InvalidInput(key, path=path_of(element), line=element.sourceline, value=_shown(text))


def amount_text(value: Decimal) -> str:
    """An amount as text in plain notation, as written on the wire and stored: ``0.00000000``,
    never ``0E-8`` (Python's ``str`` of a Decimal whose exponent is below -6); no negative zero."""
    return format(abs(value) if value == 0 else value, "f")


def decimal_of(element: etree._Element) -> Decimal:
    text = text_of(element)
    value = _decimals_seen.get(text)
    if value is None:
        value = _parse_decimal(text, element)
    return value


def _parse_decimal(text: str, element: etree._Element) -> Decimal:
    if not _DECIMAL.fullmatch(text):
        raise _format_error(element, text)
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        raise _format_error(element, text) from None
    if len(_decimals_seen) >= _DECIMALS_KEPT:
        _decimals_seen.clear()
    _decimals_seen[text] = value
    return value


def double_of(element: etree._Element) -> Decimal:
    """An ``xs:double`` value (``Quantity``), exactly as written: exponent forms such as ``1.0E7``,
    which Java generators write and the schema accepts, included."""
    text = text_of(element)
    if not _DOUBLE.fullmatch(text):
        raise _format_error(element, text, "facturae.double_format")
    return Decimal(text)


def integer_of(element: etree._Element) -> int:
    text = text_of(element)
    if not _INTEGER.fullmatch(text):
        raise _format_error(element, text)
    return int(text)


def date_of(element: etree._Element) -> date:
    """An ``xs:date``; a timezone suffix is accepted and ignored."""
    text = text_of(element)
    match = _DATE.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise _format_error(element, text, "facturae.date_format") from None


def _refuse_repeated(found: Sequence[etree._Element]) -> NoReturn:
    raise InvalidInput(
        "facturae.element_repeated", path=path_of(found[1]), line=found[1].sourceline, count=len(found)
    )


def _only_child(parent: etree._Element, name: str) -> etree._Element | None:
    """The only unqualified child called ``name`` (a scan, for one-off lookups), or None."""
    found = [node for node in parent if node.tag == name]
    if len(found) > 1:
        _refuse_repeated(found)
    return found[0] if found else None


def _missing(parent: etree._Element | None, name: str) -> InvalidInput:
    return InvalidInput("facturae.element_missing", path=path_below(parent, name))


class Children:
    """The unqualified child elements of one element, indexed by name in one pass over them.

    An element read for several values is indexed once, so each lookup is a dictionary read
    instead of a scan of its children. ``Children(None)`` (an absent optional element) has none.
    A lookup may name one ``inner`` child below the one it finds (``"TaxableBase",
    "TotalAmount"``); that second step is a one-off lookup and scans instead of indexing.

    Every element looked up with :meth:`child` (and the value readers) occurs at most once in the
    Facturae schemas; a repeated one is refused (``facturae.element_repeated``) rather than
    resolved by picking one of them, so what is processed cannot differ from what another reader
    of the same document would see. Errors are raised by the lookups, never by the indexing, so
    they come in reading order.
    """

    __slots__ = ("_one", "_repeated", "element")

    def __init__(self, element: etree._Element | None) -> None:
        self.element = element
        # A qualified child's tag is "{namespace}name" and a comment's, PI's or entity's tag is a
        # factory function: a bare name finds neither.
        self._one: dict[str, etree._Element] = {}  # the names that occur once
        self._repeated: dict[str, list[etree._Element]] = {}  # the others (rare)
        if element is not None:
            self._one = {node.tag: node for node in element}
            if len(self._one) < len(element):  # some name occurs more than once
                self._group_repeated(element)

    def _group_repeated(self, element: etree._Element) -> None:
        for node in element:
            self._repeated.setdefault(node.tag, []).append(node)
        for tag, same in list(self._repeated.items()):
            if len(same) > 1:
                del self._one[tag]
            else:
                del self._repeated[tag]

    def all(self, name: str) -> Sequence[etree._Element]:
        """The child elements called ``name``, in document order."""
        element = self._one.get(name)
        if element is not None:
            return (element,)
        return self._repeated.get(name, ())

    def all_in(self, name: str, inner: str) -> Sequence[etree._Element]:
        """The ``inner`` elements, in document order, of the only child called ``name``."""
        wrapper = self.child(name)
        return () if wrapper is None else [node for node in wrapper if node.tag == inner]

    def child(self, name: str, inner: str | None = None) -> etree._Element | None:
        """The only child called ``name`` (or the only ``inner`` child inside it), or None."""
        element = self._one.get(name)
        if element is None:
            self._refuse_if_repeated(name)
            return None
        return element if inner is None else _only_child(element, inner)

    def _refuse_if_repeated(self, name: str) -> None:
        """For a name not found once: it is either absent or repeated, and then refused."""
        repeated = self._repeated.get(name)
        if repeated is not None:
            _refuse_repeated(repeated)

    def required_element(self, name: str, inner: str | None = None) -> etree._Element:
        """Like :meth:`child`, but an absent element is ``facturae.element_missing``."""
        element = self.child(name)
        if element is None:
            raise _missing(self.element, name)
        if inner is None:
            return element
        found = _only_child(element, inner)
        if found is None:
            raise _missing(element, inner)
        return found

    def below(self, name: str) -> Children:
        """The children of the only child called ``name`` (none when it is absent)."""
        return Children(self.child(name))

    def required_below(self, name: str) -> Children:
        """The children of the only child called ``name``, which must be present."""
        return Children(self.required_element(name))

    def optional_text(self, name: str, inner: str | None = None) -> str | None:
        """The value of the child, or None when it is absent or blank."""
        element = self.child(name, inner)
        return None if element is None else text_of(element) or None

    def required_text(self, name: str) -> str:
        value = self.optional_text(name)
        if value is None:
            raise _missing(self.element, name)
        return value

    def optional_decimal(self, name: str, inner: str | None = None) -> Decimal | None:
        element = self.child(name, inner)
        return None if element is None else decimal_of(element)

    def optional_double(self, name: str) -> Decimal | None:
        element = self.child(name)
        return None if element is None else double_of(element)

    def required_decimal(self, name: str, inner: str | None = None) -> Decimal:
        return decimal_of(self.required_element(name, inner))

    def required_integer(self, name: str) -> int:
        return integer_of(self.required_element(name))

    def optional_date(self, name: str) -> date | None:
        element = self.child(name)
        return None if element is None else date_of(element)

    def decimals_at(self, name: str, *below: str) -> tuple[Decimal, ...]:
        """Every decimal found by walking ``name`` then ``below`` (child names, each may repeat)."""
        level = self.all(name)
        for step in below:
            if not level:
                return ()
            level = [found for element in level for found in element if found.tag == step]
        return tuple([decimal_of(element) for element in level])


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
