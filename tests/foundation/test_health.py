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
        body = client.get("/healthz").json()
    finally:
        app.conf.broker_url = old
    assert body["broker"].startswith("error")
    assert body["status"] == "ok"  # the database still answers: web stays in the pool
