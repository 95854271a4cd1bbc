/// DevServer: Django's two framework-side commands, `runserver` and `collectstatic`.
///
/// Owns: the development server (`Runserver`: one process, a thread per connection, HTTP/1.1 keep-alive, the
/// request log line, the banner), the static files it serves in DEBUG through the app path
/// (`StaticFilesHandler`, `StaticFinders`, `PythonMimeTypes`), and `Collectstatic` (copy, skip unmodified,
/// clear, link, the summary line).
/// Must not: sendfile or cache (runserver reads each static file per request, as Django's does), or know about the
/// pool, the front or the harness.
/// Mirrors: Django 3.2's runserver and collectstatic; see shared/spec/django-dev.md §2–§4.
