"""SOAP 1.1 over HTTP: the ASGI side of a service profile.

``POST <path>``: the body is capped (``max_request_bytes``: Content-Length checked first, then the
stream is counted when there is none), ``Content-Type`` must be ``text/xml`` (any charset),
``SOAPAction`` is ignored (quoted, unquoted or absent: dispatch is on the signed Body, rule S6).
``GET <path>?wsdl`` serves the profile's WSDL with the address it is served from.

Where the work runs: a request is CPU-bound Python (parsing, signatures, schema) holding the GIL
most of the time. Handed to the thread pool, it competes for the GIL with the event loop thread,
which wakes for every segment of every other connection: each wake-up makes the pipeline wait for
the interpreter's switch interval, and the hand-offs cost CPU of their own. So a request whose body
is at most ``soap_inline_max_bytes`` (1 MiB by default: every invoice of ordinary size) is processed
on the event loop itself, one at a time per worker process — the pre-fork model; run one worker per
core (the default) and the kernel spreads connections over them. ``bench/intake.py`` measured this at
about +25 % invoices/s and −15 % CPU per request against the thread pool. Larger requests (big
attachments, hundreds of milliseconds of work) go to the thread pool so that they do not hold up
the worker's other connections; ``0`` sends every request there. So does a small request for a
large answer (``Profile.large_answers``: consultarUnidades over the whole DIR3 is seconds of work
and tens of MiB), through a limiter of its own: one such answer at a time per worker process,
the others wait without holding a thread — each costs hundreds of MiB while it is built.
"""

from __future__ import annotations

import functools

from anyio import CapacityLimiter, to_thread
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from facturahub.errors import SecurityError
from facturahub.soap.pipeline import Answer, HubParts, Pipeline, new_tracking_id

XML_CONTENT_TYPE = "text/xml; charset=UTF-8"
ACCEPTED_MEDIA_TYPES = frozenset({"text/xml"})


class RequestTooLarge(Exception):
    pass


@functools.cache
def _large_answers_limiter() -> CapacityLimiter:
    """One large answer at a time per process (created on first use, in the event loop)."""
    return CapacityLimiter(1)


class SOAPEndpoint:
    """The POST/GET handler of one profile."""

    def __init__(self, hub: HubParts, pipeline: Pipeline) -> None:
        self.hub, self.pipeline = hub, pipeline

    async def handle(self, request: Request) -> Response:
        if request.method == "GET":
            return await self.wsdl(request)
        limit = self.hub.settings.max_request_bytes
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in ACCEPTED_MEDIA_TYPES:
            error = SecurityError("soap.content_type", content_type=request.headers.get("content-type", ""))
            return await self._fault(error, 415)
        declared = request.headers.get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            return await self._fault(SecurityError("soap.request_too_large", limit=limit), 413)
        try:
            body = await _read_capped(request, limit)
        except RequestTooLarge:
            return await self._fault(SecurityError("soap.request_too_large", limit=limit), 413)
        if len(body) > self.hub.settings.soap_inline_max_bytes:
            return _response(await run_in_threadpool(self.pipeline.process, body))
        request_ = self.pipeline.parse(body)  # small: on the event loop, see the module's doc
        if isinstance(request_, Answer):
            return _response(request_)
        if self.pipeline.answers_large(request_):
            answer = await to_thread.run_sync(
                self.pipeline.respond, request_, limiter=_large_answers_limiter()
            )
            return _response(answer)
        return _response(self.pipeline.respond(request_))

    async def wsdl(self, request: Request) -> Response:
        if "wsdl" not in {key.lower() for key in request.query_params}:
            return PlainTextResponse("SOAP 1.1 service: POST a signed request, or GET ?wsdl\n", 404)
        public = self.hub.settings.public_url
        address = f"{public.rstrip('/')}{request.url.path}" if public else str(request.url.replace(query=""))
        document = self.pipeline.profile.wsdl(address)
        return Response(document, media_type=XML_CONTENT_TYPE)

    async def _fault(self, error: SecurityError, status: int) -> Response:
        return _response(self.pipeline.fault(error, new_tracking_id(), status))  # one signature: inline


async def _read_capped(request: Request, limit: int) -> bytes:
    received = bytearray()
    async for chunk in request.stream():
        received.extend(chunk)
        if len(received) > limit:
            raise RequestTooLarge
    return bytes(received)


def _response(answer: Answer) -> Response:
    return Response(
        answer.body,
        status_code=answer.status,
        media_type=XML_CONTENT_TYPE,
        headers={"X-Tracking-Id": answer.tracking_id},
    )
