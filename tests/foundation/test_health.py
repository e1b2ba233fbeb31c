"""/healthz reports the database, the broker and a live worker's heartbeat."""

from __future__ import annotations

import pytest

from tests.support.worker import broker_mode, celery_worker, wait_until


@pytest.mark.django_db
def test_healthz_in_eager_mode_says_tasks_run_in_process(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["broker"].startswith("eager")


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_healthz_sees_the_heartbeat_of_a_real_worker(client):
    with broker_mode():
        before = client.get("/healthz").json()
        assert before["broker"] == "ok"
        assert before["worker"] == "no heartbeat yet"
        with celery_worker(queues="default"):
            body = wait_until(lambda: (b := client.get("/healthz").json())["worker"].startswith("ok") and b)
        assert body["status"] == "ok"


@pytest.mark.django_db
def test_healthz_reports_a_broker_that_does_not_answer(client, settings):
    from cuakhau.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    old = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
        body = response.json()
    finally:
        app.conf.broker_url = old
    assert response.status_code == 503
    assert body["broker"].startswith("error")
    assert body["status"] == "error"
    assert body["down"] == ["broker"]  # the database still answers: only the broker is named


@pytest.mark.django_db
def test_healthz_names_the_database_when_it_does_not_answer(client, monkeypatch):
    from django.db import connection
    from django.db.utils import OperationalError

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["down"] == ["database"]
    assert response.json()["database"] == "error: OperationalError"


@pytest.mark.django_db
def test_healthz_is_200_and_names_nothing_when_all_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["down"] == []
