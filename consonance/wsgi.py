from __future__ import annotations

import os
import sys

from django.core.wsgi import get_wsgi_application

from consonance.worker import maintenance

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consonance.settings")
try:
    # Held while this process lives, so that `consonance restore` cannot run under the site.
    maintenance.hold_shared("web")
except maintenance.MaintenanceLocked as error:
    print(f"consonance: {error}", file=sys.stderr)
    # 3 is gunicorn's "worker failed to boot": it stops rather than respawning the worker in a
    # loop, and systemd (Restart=on-failure) starts it again a few seconds later.
    raise SystemExit(3) from None
application = get_wsgi_application()
