"""WSGI entry of the position bench server (bench/positions_server/settings.py)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.positions_server.settings")

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
