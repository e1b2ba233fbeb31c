"""Settings of the HTTP benches: the production settings, plus the two floor endpoints.

Nothing here changes how the application behaves; `bench.urls` only adds the floors in front of
the project's own URLs. The bench scripts set the environment (DEBUG=0, a strong SECRET_KEY,
ALLOWED_HOSTS, REDIS_URL) exactly as a production deployment would.
"""

from cuakhau.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
