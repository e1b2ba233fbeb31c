#!/usr/bin/env bash
# Start the whole platform for a local try-out: web, Celery worker and beat, with demo data.
# Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8000}"
export TASKS_MODE="${TASKS_MODE:-auto}"

$PY manage.py migrate --noinput -v0
$PY manage.py seed_demo

mode=$($PY -c 'import os; os.environ.setdefault("DJANGO_SETTINGS_MODULE","cuakhau.settings"); import django; django.setup(); from django.conf import settings; print(settings.TASKS_MODE)' 2>/dev/null | tail -1)

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "Stopping..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

mkdir -p .run
if [ "$mode" = "redis" ]; then
  .venv/bin/celery -A cuakhau worker -Q notifications,dispatch,default -c 2 -l info >.run/worker.log 2>&1 &
  pids+=($!)
  .venv/bin/celery -A cuakhau beat -l info --schedule .run/celerybeat-schedule >.run/beat.log 2>&1 &
  pids+=($!)
  echo "Celery worker and beat started on ${REDIS_URL:-redis://127.0.0.1:6379/0} (logs in .run/)"
else
  echo "WARNING: Redis is not reachable: Celery tasks run in-process, and beat's periodic sweeps do not run."
  echo "         Start Redis (redis-server) or set REDIS_URL to get a real worker and beat."
fi

$PY manage.py runserver "0.0.0.0:${PORT}" --noreload &
pids+=($!)
# Print the addresses once the server answers (a loaded machine takes a few seconds to start it).
for _ in $(seq 1 60); do
  (exec 3<>"/dev/tcp/127.0.0.1/${PORT}") 2>/dev/null && break
  sleep 1
done
cat <<INFO

  Cửa khẩu số is running:
    Portal     http://127.0.0.1:${PORT}/portal/
    Admin      http://127.0.0.1:${PORT}/admin/
    Kiosk      http://127.0.0.1:${PORT}/kiosk/HUU_NGHI/
    Board      http://127.0.0.1:${PORT}/board/HUU_NGHI/
    Dashboard  http://127.0.0.1:${PORT}/dashboard/
    API docs   http://127.0.0.1:${PORT}/api/docs/
    Health     http://127.0.0.1:${PORT}/healthz

  Demo logins (password ${DEMO_PASSWORD:-demo12345!}):
    demo-operator, demo-operator-2, demo-customs, demo-border-guard, demo-quarantine,
    demo-gate-staff, demo-manager, demo-admin (superuser)

  Ctrl-C stops everything.
INFO
wait -n "${pids[@]}" || true
