"""gunicorn's settings for rota: `scripts/serve` starts `gunicorn -c python:rota.ops.gunicorn_conf`.

Overridable from the environment: ROTA_WEB_BIND (127.0.0.1:8000), ROTA_WEB_WORKERS (two per CPU
plus one), ROTA_WEB_TIMEOUT (60 s); any other gunicorn setting through GUNICORN_CMD_ARGS, which
gunicorn reads itself and which wins over this file.

The workers share their Prometheus counters through a directory of their own, made fresh at
each start (prometheus_client's multiprocess mode; see rota.ops.metrics): it must be named in
the environment before any worker imports prometheus_client, hence here, at import. Its files
are written at every request, so it lies in memory: systemd's RuntimeDirectory, else /dev/shm
where the system has one (not /tmp, which may be a disk).
"""

import gc
import multiprocessing
import os
import shutil
import tempfile

IN_MEMORY = os.environ.get("RUNTIME_DIRECTORY") or (
    "/dev/shm" if os.path.isdir("/dev/shm") else None
)
METRICS_DIR = tempfile.mkdtemp(prefix="rota-metrics-", dir=IN_MEMORY)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = METRICS_DIR

bind = os.environ.get("ROTA_WEB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("ROTA_WEB_WORKERS") or 2 * multiprocessing.cpu_count() + 1)
timeout = int(os.environ.get("ROTA_WEB_TIMEOUT") or 60)
graceful_timeout = 30
keepalive = 5  # nginx keeps connections to the app open
# Workers are not recycled after N requests: each ended worker leaves its counters' file in
# METRICS_DIR, summed at every scrape, so years of recycling would slow /metrics. Should memory
# grow, GUNICORN_CMD_ARGS="--max-requests 100000" recycles them seldom; a restart clears the files.
accesslog = None  # the app writes one line per request itself (rota.ops.web), with its id
errorlog = "-"
proc_name = "rota-web"


def on_starting(_server) -> None:
    """The master's own lines (gunicorn.error) in rota's format, from ROTA_LOG_FORMAT."""
    from rota.ops import logs

    logs.configure(_env("LOG_FORMAT", "text"), _env("LOG_LEVEL", "INFO"))


def post_worker_init(worker) -> None:
    """Each worker logs as its app is configured (LOG_FORMAT, LOG_LEVEL); the objects of the
    loaded app (modules, settings, the URL map, templates) live as long as the worker, so they
    are moved out of the garbage collector's sight (`gc.freeze`): a full collection then walks
    only what requests left behind."""
    from rota.ops import logs

    logs.configure(worker.wsgi.config["LOG_FORMAT"], worker.wsgi.config["LOG_LEVEL"])
    gc.collect()
    gc.freeze()


def child_exit(_server, worker) -> None:
    """A worker that ended keeps its counters in the sums, but its gauges go."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, METRICS_DIR)


def on_exit(_server) -> None:
    shutil.rmtree(METRICS_DIR, ignore_errors=True)


def _env(key: str, default: str) -> str:
    return os.environ.get(f"ROTA_{key}", default).strip('"')
