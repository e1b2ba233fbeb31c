"""GET /healthz: database, broker and worker heartbeat, as JSON; 503 naming what is down when the
database or the broker does not answer (a load balancer then takes the process out of the pool:
without the broker no notification, call-forward or sweep would run)."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse

from cuakhau.celery import app
from cuakhau.tasks import heartbeat_age

HEARTBEAT_STALE_SECONDS = 120


def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # report, never 500
        checks["database"] = f"error: {type(exc).__name__}"
    if settings.CELERY_TASK_ALWAYS_EAGER:
        checks["broker"] = "eager (in-process tasks)"
        checks["worker"] = "in-process"
    else:
        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=1)
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"error: {type(exc).__name__}"
        try:
            age = heartbeat_age() if checks["broker"] == "ok" else None
            if age is None:
                checks["worker"] = "no heartbeat yet"
            elif age <= HEARTBEAT_STALE_SECONDS:
                checks["worker"] = f"ok (heartbeat {age:.0f} s ago)"
            else:
                checks["worker"] = f"stale (heartbeat {age:.0f} s ago)"
        except Exception as exc:
            checks["worker"] = f"error: {type(exc).__name__}"
    down = [name for name in ("database", "broker") if checks[name].startswith("error")]
    body = {"status": "error" if down else "ok", "down": down, **checks}
    return JsonResponse(body, status=503 if down else 200)
