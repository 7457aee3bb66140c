"""One SOAP request, synchronously (run in a worker thread), in three phases:

1. **verify** in a read-only transaction: envelope → WS-Security with the key of the registered
   certificate → caller → early replay check;
2. **prepare** with no transaction at all: the operation's database-free work, if it has a
   preparer (enviarFactura: parsing, schema, XAdES, totals, blobs) — so the expensive part of a
   request never holds the database's write lock;
3. **write** in one unit of work: the replay-cache row and the operation's changes; the answer
   is built, committed, then signed. A query whose answer grows with the directory
   (``Profile.large_answers``) commits the replay row alone, then builds its answer from a
   read-only session: seconds of work over the whole DIR3 never hold SQLite's only writer.

The operation runs in a SAVEPOINT: a business error (``resultado`` ≠ 0, from the preparer or the
operation) rolls back only the operation, so the signature stays consumed — a verified request is
single-use whatever its outcome. A security fault or an unexpected error rolls back everything
(nothing was done). Nothing is sent before the commit succeeds (rule D1).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import NamedTuple, Protocol

from cryptography import x509
from lxml import etree
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from facturahub.config import Settings
from facturahub.errors import FacturahubError, SecurityError, StorageUnavailable
from facturahub.services import replay
from facturahub.services.certificates import find_by_issuer_serial
from facturahub.services.intake import PreparedInvoice
from facturahub.services.lookup import CallerIdentity, identify_caller
from facturahub.signatures.certgen import Identity
from facturahub.signatures.wss_envelope import BODY
from facturahub.signatures.wssecurity import (
    CertificateReference,
    KeyReference,
    VerifiedRequest,
    parse_envelope,
    sign_envelope,
    verify_request,
)
from facturahub.soap import envelope as env
from facturahub.soap import messages as _messages  # noqa: F401  (registers the catalog)
from facturahub.soap.profile import Call, Handler, Outcome, Preparation, Profile
from facturahub.store.blobs import BlobStore
from facturahub.store.database import Database, driver_message

log = logging.getLogger("facturahub.soap")

SERVER_FAULTS = frozenset({"soap.internal_error", "store.unavailable"})  # faultcode Server, not Client


class HubParts(Protocol):
    """What the SOAP faces use of :class:`facturahub.app.Hub` (read-only)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def database(self) -> Database: ...

    @property
    def blobs(self) -> BlobStore: ...

    @property
    def identity(self) -> Identity: ...


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    tracking_id: str


def new_tracking_id() -> str:
    return uuid.uuid4().hex


class _Resolver:
    """``resolve_key`` for :func:`verify_request`: the registered certificate named by the message.
    Authorisation problems (expired, unassigned, no capability…) are deferred until the signature
    has verified, so that an unsigned request learns nothing but "not registered"."""

    def __init__(self, session: Session, profile: Profile, now: datetime, *, production: bool) -> None:
        self.session, self.profile, self.now, self.production = session, profile, now, production
        self.caller: CallerIdentity | None = None
        self.deferred: FacturahubError | None = None

    def __call__(self, reference: KeyReference) -> x509.Certificate | None:
        identify = partial(
            identify_caller,
            self.session,
            capability=self.profile.capability,
            now=self.now,
            production=self.production,
        )
        try:
            if isinstance(reference, CertificateReference):
                self.caller = identify(der=reference.der)
            else:
                self.caller = identify(issuer=reference.issuer, serial=reference.serial)
            registered = self.caller.certificate_der
            if isinstance(reference, CertificateReference) and reference.der == registered:
                return reference.certificate  # the very bytes registered, already parsed
            return x509.load_der_x509_certificate(registered)
        except FacturahubError as error:
            if error.key == "caller.certificate_unknown":
                raise
            self.deferred = error
        if isinstance(reference, CertificateReference):
            return reference.certificate
        row = find_by_issuer_serial(self.session, reference.issuer, reference.serial)
        return x509.load_der_x509_certificate(row.der) if row is not None else None


class ParsedRequest(NamedTuple):
    root: etree._Element
    tracking_id: str
    now: datetime


class Pipeline:
    def __init__(self, hub: HubParts, profile: Profile) -> None:
        self.hub, self.profile = hub, profile

    @property
    def language(self) -> str:
        return self.hub.settings.language

    def process(self, data: bytes) -> Answer:
        request = self.parse(data)
        return request if isinstance(request, Answer) else self.respond(request)

    def parse(self, data: bytes) -> ParsedRequest | Answer:
        """The envelope parsed (hardened), or the fault that answers it."""
        tracking_id = new_tracking_id()
        try:
            root = parse_envelope(data, max_bytes=self.hub.settings.max_request_bytes)
        except FacturahubError as error:
            return self.fault(error, tracking_id)
        return ParsedRequest(root, tracking_id, datetime.now(UTC))

    def answers_large(self, request: ParsedRequest) -> bool:
        """Whether the request names an operation of ``Profile.large_answers`` — read before the
        signature is verified, only to choose where it runs (``respond`` verifies everything)."""
        body = request.root.find(BODY)
        operation = next(body.iterchildren(etree.Element), None) if body is not None else None
        return operation is not None and etree.QName(operation).localname in self.profile.large_answers

    def respond(self, request: ParsedRequest) -> Answer:
        root, tracking_id, now = request
        name: str | None = None
        prepared: object = None
        try:
            with self.hub.database.reading() as session:
                verified, caller = self._verify(session, root, now)
            name, handler = self._operation(verified.operation)
            prepared, refusal = self._prepare(name, verified.operation, caller, now)
            remember = partial(
                replay.remember_signature,
                digest_hex=verified.replay_key,
                expires_at=verified.replay_expires,
                now=now,
                timestamped=verified.timestamp_signed,
            )
            with self._operating(name, remember) as session:
                call = Call(
                    session=session,
                    blobs=self.hub.blobs,
                    settings=self.hub.settings,
                    caller=caller,
                    now=now,
                    tracking_id=tracking_id,
                    language=self.language,
                    prepared=prepared,
                )
                response = self._run(call, name, handler, verified.operation, refusal)
        except FacturahubError as error:
            return self.fault(error, tracking_id)
        except DBAPIError as error:
            registering = isinstance(prepared, PreparedInvoice)
            return self._database_failed(error, name, registering, tracking_id)
        except Exception:
            log.exception("soap request failed", extra={"tracking_id": tracking_id})
            return self.fault(SecurityError("soap.internal_error", tracking_id=tracking_id), tracking_id)
        return Answer(200, self.sign(response), tracking_id)

    @contextmanager
    def _operating(self, name: str, remember: Callable[[Session], None]) -> Iterator[Session]:
        """The session an operation runs in, its replay row already in: the same unit of work,
        or, for a large answer, a read-only session after the row's own commit."""
        if name not in self.profile.large_answers:
            with self.hub.database.unit_of_work() as session:
                remember(session)
                yield session
            return
        with self.hub.database.unit_of_work() as session:
            remember(session)
        with self.hub.database.reading() as session:
            yield session

    def _verify(
        self, session: Session, root: etree._Element, now: datetime
    ) -> tuple[VerifiedRequest, CallerIdentity]:
        resolver = _Resolver(session, self.profile, now, production=self.hub.settings.is_production)
        # the profile's policy (shared by the FACe-profile services) with this service's queries
        policy = replace(self.profile.policy(self.hub.settings), queries=self.profile.queries)
        verified = verify_request(
            root,
            policy,
            now,
            resolve_key=resolver,
            max_bytes=self.hub.settings.max_request_bytes,
        )
        if resolver.deferred is not None:
            raise resolver.deferred
        if resolver.caller is None:  # pragma: no cover - verify_request always resolves
            raise SecurityError("wss.key_unresolvable", reference="?")
        replay.refuse_seen(session, verified.replay_key, now, timestamped=verified.timestamp_signed)
        return verified, resolver.caller

    def _database_failed(
        self, error: DBAPIError, name: str | None, registering: bool, tracking_id: str
    ) -> Answer:
        """The database refused or lost a statement (down, disk full, read-only…): the unit of work
        was rolled back. An invoice being registered gets its profile's "cannot save" result (FACe
        402), which says to send it again (a registration whose commit did reach the disk is then
        answered 415 with its number); anything else a Server fault. The driver's own message is
        the reason; the statement stays in the log."""
        log.error(
            "soap %s: the database failed",
            name or "request",
            exc_info=True,
            extra={"tracking_id": tracking_id},
        )
        reason = driver_message(error)
        if name is None or not registering:
            failure = StorageUnavailable("store.unavailable", reason=reason, tracking_id=tracking_id)
            return self.fault(failure, tracking_id)
        failure = StorageUnavailable("intake.database_failed", reason=reason)
        return Answer(200, self.sign(self.business_error(name, failure, tracking_id)), tracking_id)

    def _operation(self, element: etree._Element) -> tuple[str, Handler]:
        operation = etree.QName(element)
        handler = self.profile.operations.get(operation.localname)
        if handler is None or operation.namespace != self.profile.namespace:
            raise SecurityError("soap.operation_unknown", operation=operation.text)
        return operation.localname, handler

    def _prepare(
        self, name: str, element: etree._Element, caller: CallerIdentity, now: datetime
    ) -> tuple[object, FacturahubError | None]:
        """Run the operation's preparer, if any; a business refusal is kept for the write phase
        (which still consumes the signature), a fault propagates."""
        preparer = self.profile.preparers.get(name)
        if preparer is None:
            return None, None
        preparation = Preparation(blobs=self.hub.blobs, settings=self.hub.settings, caller=caller, now=now)
        try:
            return preparer(preparation, element), None
        except FacturahubError as error:
            if self.profile.errors.is_fault(error):
                raise
            return None, error

    def _run(
        self,
        call: Call,
        name: str,
        handler: Handler,
        element: etree._Element,
        refusal: FacturahubError | None,
    ) -> etree._Element:
        try:
            if refusal is not None:
                raise refusal
            # a read-only session has nothing to roll back (and PostgreSQL's runs in autocommit)
            read_only = name in self.profile.large_answers
            with nullcontext() if read_only else call.session.begin_nested():
                outcome = handler(call, element)
        except FacturahubError as error:
            if self.profile.errors.is_fault(error):
                raise
            log.info(
                "soap %s refused: %s",
                name,
                error.key,
                extra={"tracking_id": call.tracking_id, "key": error.key},
            )
            return self.business_error(name, error, call.tracking_id)
        log.info("soap %s ok", name, extra={"tracking_id": call.tracking_id})
        return self.success(name, outcome, call.tracking_id)

    # --- answers --------------------------------------------------------------------------------

    def success(self, operation: str, outcome: Outcome, tracking_id: str) -> etree._Element:
        envelope, returned = env.response_envelope(self.profile.namespace, operation)
        if not outcome.bare:
            ok = self.profile.errors.success()
            holder = env.resultado(returned, ok.code, ok.description, outcome.tracking_id or tracking_id)
            holder.extend(outcome.result_extra)
        for element in outcome.elements:
            returned.append(element)
        return envelope

    def business_error(self, operation: str, error: FacturahubError, tracking_id: str) -> etree._Element:
        envelope, returned = env.response_envelope(self.profile.namespace, operation)
        result = self.profile.errors.business(error, self.language)
        env.resultado(returned, result.code, result.description, tracking_id)
        returned.extend(self.profile.refusal_shape(operation))
        return envelope

    def fault(self, error: FacturahubError, tracking_id: str, status: int = 500) -> Answer:
        result = self.profile.errors.fault(error, self.language)
        side = "Server" if error.key in SERVER_FAULTS else "Client"
        log.info("soap fault %s: %s", result.code, error.key, extra={"tracking_id": tracking_id})
        fault = env.fault_envelope(side, f"{tracking_id} - {result.code} - {result.description}")
        return Answer(status, self.sign(fault), tracking_id)

    def sign(self, envelope: etree._Element) -> bytes:
        identity = self.hub.identity
        algorithm = self.hub.settings.response_signature_algorithm
        return sign_envelope(
            envelope,
            identity.certificate,
            identity.private_key,
            algorithm=algorithm,
            now=datetime.now(UTC),
        )
