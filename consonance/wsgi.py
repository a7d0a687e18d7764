from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from consonance.worker import maintenance

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consonance.settings")
try:
    # Held while this process lives, so that `consonance restore` cannot run under the site.
    maintenance.hold_shared("web")
except maintenance.MaintenanceLocked as error:
    raise SystemExit(f"consonance: {error}") from None
application = get_wsgi_application()
