"""``facturahub worker``: the huey consumer that delivers notifications.

At start it re-queues every due pending notification (whatever was committed while no worker ran,
or enqueued and lost), then consumes until SIGTERM or SIGINT, both graceful: running deliveries
finish (a second signal cuts them short). SIGTERM is what systemd, ``docker stop`` and ``kill``
send; huey's default made it immediate, and a push cut between the endpoint's acceptance and its
record was sent again after the restart.
"""

from __future__ import annotations

import logging
import signal

from facturahub.config import Settings
from facturahub.jobs.delivery import Delivery, retry_policy
from facturahub.jobs.endpoint_gate import EndpointGate
from facturahub.jobs.heartbeat import Heartbeat
from facturahub.jobs.log_throttle import throttle_queue_failures
from facturahub.jobs.mailer import SMTPMailer
from facturahub.jobs.push import SOAPPusher
from facturahub.jobs.queue import Jobs, attach_job_queue
from facturahub.services.destinations import DestinationPolicy
from facturahub.services.hub_identity import load_hub_identity
from facturahub.store.database import Database

log = logging.getLogger("facturahub.jobs")


def worker_jobs(settings: Settings, database: Database) -> Jobs:
    """The queue with delivery attached (what the worker process runs)."""
    jobs = attach_job_queue(database, settings)
    jobs.delivery = Delivery(
        database=database,
        mailer=SMTPMailer(settings),
        pusher=SOAPPusher(
            load_hub_identity(settings),
            settings.push_timeout_seconds,
            DestinationPolicy.from_settings(settings),
            settings.push_proxy,
            settings.push_direct,
            settings.response_signature_algorithm,
        ),
        policy=retry_policy(settings),
        language=settings.language,
        sender=settings.smtp_from,
        zone=settings.zone,
        gate=EndpointGate(settings.push_per_endpoint, settings.push_pause_seconds, jobs.deliver),
    )
    return jobs


def run_worker(settings: Settings, threads: int | None = None) -> None:
    settings.ensure_data_dir()
    database = Database(settings.effective_database_url, create=False)
    try:
        jobs = worker_jobs(settings, database)
        jobs.check_reachable()
        with jobs.reporting_failures():  # the start-up sweep enqueues: same one line, exit 8
            queued = jobs.sweep()
        backend = "redis" if settings.redis_url else f"sqlite {settings.jobs_file}"
        label = settings.jobs_queue_label  # once: it resolves a path and hashes it
        log.info(
            "worker on %s queue %r (in /health: %r); %d due notification(s) re-queued",
            backend,
            settings.jobs_queue,
            label,
            queued,
        )
        consumer = jobs.huey.create_consumer(
            workers=threads or settings.jobs_threads,
            worker_type="thread",
            periodic=True,
            initial_delay=0.05,
            max_delay=settings.jobs_poll_seconds,
            check_worker_health=True,
            graceful_signal="TERM",
        )
        consumer._signal_actions[signal.SIGINT] = consumer._signal_actions[signal.SIGTERM]  # graceful too
        throttle_queue_failures()
        heartbeat = Heartbeat(database, label)
        heartbeat.start()
        try:
            consumer.run()
        finally:
            heartbeat.stop()
    finally:
        database.dispose()
