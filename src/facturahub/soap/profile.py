"""What a SOAP service profile is made of: its namespace, WS-Security policy, the capability its
callers need, its operations, its error-to-code mapping and its WSDL."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from lxml import etree
from sqlalchemy.orm import Session

from facturahub.config import Settings
from facturahub.domain.registry import Capability
from facturahub.errors import FacturahubError
from facturahub.services.lookup import CallerIdentity
from facturahub.signatures.wssecurity import WSSPolicy
from facturahub.store.blobs import BlobStore


@dataclass(frozen=True)
class Call:
    """Everything an operation handler may use: one unit of work, the verified caller."""

    session: Session
    blobs: BlobStore
    settings: Settings
    caller: CallerIdentity
    now: datetime  # aware UTC
    tracking_id: str
    language: str
    prepared: object = None  # what the operation's preparer returned, if it has one


@dataclass(frozen=True)
class Preparation:
    """What a preparer may use: no database. Preparers run before the write transaction and do
    an operation's expensive, database-free work (enviarFactura: parsing, XAdES, schema, blobs)."""

    blobs: BlobStore
    settings: Settings
    caller: CallerIdentity
    now: datetime  # aware UTC


@dataclass
class Outcome:
    """A successful operation: the elements after ``resultado`` inside ``return``."""

    elements: list[etree._Element] = field(default_factory=list)
    tracking_id: str | None = None  # overrides the request's tracking id (e.g. the invoice's)
    # appended inside the standard ``resultado``, after ``codigoSeguimiento`` (eFACT consultarFactura)
    result_extra: list[etree._Element] = field(default_factory=list)
    # True: ``elements`` are the whole content of ``return``, no standard ``resultado`` (eFACT downloads)
    bare: bool = False


Handler = Callable[[Call, etree._Element], Outcome]
Preparer = Callable[[Preparation, etree._Element], object]
RefusalShape = Callable[[str], list[etree._Element]]


def no_elements(_operation: str) -> list[etree._Element]:
    return []


@dataclass(frozen=True)
class Result:
    code: str
    description: str


class ErrorMapper(Protocol):
    def fault(self, error: FacturahubError, language: str | None) -> Result: ...

    def business(self, error: FacturahubError, language: str | None) -> Result: ...

    def is_fault(self, error: FacturahubError) -> bool: ...

    def success(self) -> Result: ...


@dataclass(frozen=True)
class Profile:
    name: str  # "face" / "efact" / "face-rcf"
    path: str  # "/face/facturasspp2"
    namespace: str
    capability: Capability
    operations: Mapping[str, Handler]
    errors: ErrorMapper
    wsdl: Callable[[str], bytes]  # service address → WSDL bytes
    policy: Callable[[Settings], WSSPolicy]
    preparers: Mapping[str, Preparer] = field(default_factory=dict)
    # Operations that change nothing (``WSSPolicy.queries``): an untimed signature of one is
    # remembered for the lifetime cap only, any other until its certificate expires. Named one by
    # one, so that a new operation is remembered long until someone says it only reads.
    queries: frozenset[str] = frozenset()
    # Queries whose answer grows with the directory (the whole DIR3 is tens of MiB of XML): built
    # from a read-only session after the replay row's own short commit, in a worker thread, one at
    # a time per process (soap/transport.py)
    large_answers: frozenset[str] = frozenset()
    # what follows ``resultado`` when an operation is refused (operation name → elements), for
    # services whose clients expect the answer's holders even then (FACe RCF: empty ones)
    refusal_shape: RefusalShape = no_elements
