"""WSGI config of the reference teacher project: `module = teacher.wsgi:application`, as the seed's uwsgi.ini
names it. The database is created and seeded here, once per process that loads the app (uWSGI's master, before it
forks the workers; runserver at start)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "teacher.settings")

application = get_wsgi_application()

from teacher import store  # noqa: E402  (needs the settings configured above)

store.ensure_seeded()
