"""Settings of the position-ingest bench server: the production settings, plus the bench's
floor view (bench/positions_server/urls.py). Never used outside bench/positions_http.py."""

from cuakhau.settings import *  # noqa: F403

ROOT_URLCONF = "bench.positions_server.urls"
