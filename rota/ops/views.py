"""/healthz, /readyz and /metrics: for load balancers, monitoring and Prometheus, no login."""

import hmac
import os

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST

from rota.db import utcnow
from rota.extensions import db
from rota.ops import health, metrics

bp = Blueprint("ops", __name__)
NO_STORE = {"Cache-Control": "no-store"}


@bp.get("/healthz")
def healthz():
    """The process is up and answers (no database: a load balancer's liveness probe)."""
    return {"status": "ok"}, 200, NO_STORE


@bp.get("/readyz")
def readyz():
    """Each readiness check and its outcome; 200 when all pass, else 503."""
    settings = health.ReadySettings.from_config(current_app.config)
    checks = health.readiness(db.session, utcnow(), settings)
    ready = all(ok for ok, _what in checks.values())
    body = {
        "status": "ready" if ready else "not ready",
        "checks": {name: what for name, (_ok, what) in checks.items()},
    }
    return body, 200 if ready else 503, NO_STORE


@bp.get("/metrics")
def metrics_page():
    """Prometheus text format; needs `Authorization: Bearer METRICS_TOKEN` (404 when unset)."""
    token = current_app.config["METRICS_TOKEN"]
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "").encode()
    if not hmac.compare_digest(given, f"Bearer {token}".encode()):
        return Response("metrics need the bearer token\n", 401, {"WWW-Authenticate": "Bearer"})
    mailbox = health.ReadySettings.from_config(current_app.config).mailbox
    figures = health.figures(db.session, utcnow(), mailbox)
    body = metrics.exposition(figures, os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
    return Response(body, 200, {**NO_STORE, "Content-Type": CONTENT_TYPE_LATEST})
