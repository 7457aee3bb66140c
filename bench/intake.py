"""Intake benchmark (issue: ≥ 150 invoices/s end to end on 2 cores, ratio ≥ 0.5 to the
verification floor; consultarListadoFacturas with 500 numbers p50 < 50 ms).

Starts the hub on SQLite (and on PostgreSQL when reachable), signs ~30 KB invoices and their SOAP
requests before the timed window, sends them from K concurrent clients over HTTP, and measures in
the same run the verification floor: WS-Security + XAdES verification of the same messages
in-process on all cores. Prints figures and, last, one machine-readable line.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import time
import uuid
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from bench.http import Connection
from bench.hub import on_every_engine, running_hub, workdir
from bench.messages import invoice_requests, list_request, load_identity
from facturahub.signatures.wssecurity import WSSPolicy, verify_request
from facturahub.signatures.xades import verify_invoice_signature

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"
HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}


def _verify_chunk(args: tuple[list[bytes], bytes]) -> int:
    messages, cert_der = args
    certificate = x509.load_der_x509_certificate(cert_der)
    now = datetime.now(UTC)
    for message in messages:
        verified = verify_request(message, WSSPolicy(), now, resolve_key=lambda _r: certificate)
        encoded = verified.operation.find("request/factura/factura")
        assert encoded is not None and encoded.text
        verify_invoice_signature(base64.b64decode(encoded.text))
    return len(messages)


def verification_floor(messages: list[bytes], cert_der: bytes, workers: int) -> float:
    chunks = [(messages[i::workers], cert_der) for i in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_verify_chunk, [(c[0][:2], c[1]) for c in chunks]))  # warm up the processes
        start = time.perf_counter()
        done = sum(pool.map(_verify_chunk, chunks))
        elapsed = time.perf_counter() - start
    return done / elapsed


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def send_all(url: str, messages: list[bytes], clients: int) -> tuple[float, list[float], list[str], int]:
    latencies: list[float] = []
    numbers: list[str] = []
    failures = 0

    def worker(chunk: list[bytes]) -> tuple[list[float], list[str], int]:
        mine, got, bad = [], [], 0
        with Connection(url) as connection:
            for body in chunk:
                start = time.perf_counter()
                _status, content = connection.post(body, HEADERS)
                mine.append(time.perf_counter() - start)
                root = etree.fromstring(content)
                if root.findtext(".//resultado/codigo") == "0":
                    got.append(root.findtext(".//factura/numeroRegistro") or "")
                else:
                    bad += 1
        return mine, got, bad

    chunks = [messages[i::clients] for i in range(clients)]
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for mine, got, bad in pool.map(worker, chunks):
            latencies += mine
            numbers += got
            failures += bad
    return time.perf_counter() - start, latencies, numbers, failures


def list_latency(url: str, requests: list[bytes]) -> list[float]:
    timings = []
    with Connection(url) as connection:
        for body in requests:
            start = time.perf_counter()
            _status, content = connection.post(body, HEADERS)
            timings.append(time.perf_counter() - start)
            assert b"<codigo>0</codigo>" in content, content[:500]
    return timings


def run_engine(database_url: str | None, args: argparse.Namespace) -> dict[str, float]:
    with (
        workdir() as tmp,
        running_hub(tmp, SHARED, database_url, args.workers) as hub,
    ):
        certificate, key = load_identity(
            hub.sandbox_dir / "supplier-cert.pem", hub.sandbox_dir / "supplier-key.pem"
        )
        run_id = uuid.uuid4().hex[:8]
        warm = invoice_requests(SHARED, 10, f"W{run_id}", certificate, key)
        messages = invoice_requests(SHARED, args.invoices, f"B{run_id}", certificate, key)
        size = sum(len(m) for m in messages) / len(messages)
        url = f"{hub.base_url}/face/facturasspp2"
        send_all(url, warm, 2)
        elapsed, latencies, numbers, failures = send_all(url, messages, args.clients)
        accepted = len(numbers)
        per_s = accepted / elapsed
        listing = [list_request(numbers[:500], certificate, key) for _ in range(args.list_calls)]
        list_times = list_latency(url, listing)
        floor = verification_floor(
            messages,
            certificate.public_bytes(Encoding.DER),
            os.cpu_count() or 1,
        )
        figures = {
            "invoices_per_s": per_s,
            "floor_per_s": floor,
            "ratio": per_s / floor,
            "p50_ms": percentile(latencies, 0.5) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000,
            "list500_p50_ms": statistics.median(list_times) * 1000,
        }
        print(
            f"[{hub.engine}] {accepted} accepted, {failures} refused, {args.clients} clients, "
            f"{args.workers} hub workers, "
            f"request ~{size / 1024:.1f} KB"
        )
        print(
            f"[{hub.engine}] end-to-end {per_s:.1f} invoices/s; floor {floor:.1f}/s; "
            f"ratio {per_s / floor:.2f}; "
            f"p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms; "
            f"list500 p50 {figures['list500_p50_ms']:.1f} ms"
        )
        if failures:
            print(f"[{hub.engine}] WARNING: {failures} submissions were refused; see the server log")
        return figures


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=600)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--list-calls", type=int, default=15)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="hub worker processes")
    args = parser.parse_args(argv)
    return on_every_engine("intake", run_engine, args)


if __name__ == "__main__":
    main()
