"""Prometheus metrics: what each process counts, and the ring's state read from the database.

Two kinds, chosen for a ring that runs on several hosts:
- Events a process sees (requests and their latency, mail polls, outbox sends, job runs) are
  counted in that process. Under gunicorn the workers share them through prometheus_client's
  multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set by rota.ops.gunicorn_conf), so one scrape of
  a host's /metrics sums its workers; the scheduler serves its own on a separate port
  (`scheduler --metrics-port`). Prometheus adds up the hosts with sum().
- The ring's state (mail queued and its oldest age, contacts unassigned and the oldest
  unanswered, the last mail poll, the scheduler's last lease) is read from PostgreSQL at scrape
  time: the same figure from every host, right after any restart, with no process to keep it.
"""

from datetime import datetime

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

# Its _count is the requests answered, by route, method and status: one metric, not a second
# counter beside it (under gunicorn each write to a shared metric costs a system call)
REQUEST_SECONDS = Histogram(
    "rota_http_request_duration_seconds",
    "Time to answer a request, by route, method and status",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
MAIL_POLLS = Counter("rota_mail_polls", "Polls of the shared mailbox, by outcome", ["outcome"])
MAIL_MESSAGES = Counter(
    "rota_mail_messages",
    "Messages from the shared mailbox: fetched, then new_contact, threaded, duplicate or failed",
    ["outcome"],
)
OUTBOX_SENDS = Counter(
    "rota_outbox_sends", "Tries to hand outgoing mail to SMTP: sent, retry or failed", ["outcome"]
)
JOB_RUNS = Counter(
    "rota_job_runs", "Scheduled job runs: ok, failed, or skipped (lease held)", ["job", "outcome"]
)
JOB_SECONDS = Histogram(
    "rota_job_duration_seconds",
    "Time a scheduled job ran",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800),
)


def count_poll(report) -> None:
    """Count one poll of the shared mailbox from its IngestReport."""
    MAIL_POLLS.labels("failed" if report.error else "ok").inc()
    outcomes = {
        "fetched": report.fetched,
        "new_contact": report.new_contacts,
        "threaded": report.threaded,
        "duplicate": report.duplicates,
        "failed": report.failed,
    }
    for outcome, number in outcomes.items():
        if number:
            MAIL_MESSAGES.labels(outcome).inc(number)


def _gauge(name: str, doc: str, value) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc)
    family.add_metric([], float("nan") if value is None else value)
    return family


def _by(name: str, doc: str, label: str, values: dict) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=[label])
    for key, value in values.items():
        family.add_metric([key], value)
    return family


class RingCollector:
    """The ring's state from the database, read at each scrape (see rota.ops.health.figures)."""

    def __init__(self, figures: dict) -> None:
        self.figures = figures

    def collect(self):
        outbox, contacts = self.figures["outbox"], self.figures["contacts"]
        statuses = {status: outbox[status] for status in ("queued", "sending", "failed")}
        yield _by("rota_outbox_messages", "Outgoing mail not yet sent", "status", statuses)
        yield _gauge(
            "rota_outbox_oldest_due_age_seconds",
            "Age of the oldest mail due to be sent (0: none)",
            outbox["oldest_due_age"],
        )
        queues = {queue: contacts[queue] for queue in ("organisation", "ring")}
        yield _by("rota_contacts_unassigned", "Open contacts with no counsellor", "queue", queues)
        yield _gauge(
            "rota_contacts_oldest_unanswered_age_seconds",
            "Age of the oldest open contact without a first answer (0: none)",
            contacts["oldest_unanswered_age"],
        )
        yield _gauge(
            "rota_mail_last_poll_age_seconds",
            "Time since the shared mailbox was last read (NaN: never, or not configured)",
            self.figures["mail"]["last_poll_age"],
        )
        yield _gauge(
            "rota_scheduler_last_lease_age_seconds",
            "Time since a scheduler process last took or renewed a job lease (NaN: never)",
            self.figures["scheduler"]["last_lease_age"],
        )


class _ThisProcess:
    """The default registry's metrics (process, platform, rota's counters) outside gunicorn."""

    def collect(self):
        yield from REGISTRY.collect()


def exposition(figures: dict, multiprocess_dir: str | None) -> bytes:
    """The text a scrape gets: this host's processes' counters plus the ring's state."""
    registry = CollectorRegistry()
    if multiprocess_dir:
        MultiProcessCollector(registry, path=multiprocess_dir)
    else:
        registry.register(_ThisProcess())
    registry.register(RingCollector(figures))
    return generate_latest(registry)


def age_seconds(since: datetime | None, now: datetime) -> float:
    """Seconds from `since` to `now`, 0 when there is nothing waiting."""
    return 0.0 if since is None else max((now - since).total_seconds(), 0.0)
