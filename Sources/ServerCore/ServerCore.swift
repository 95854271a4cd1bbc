/// ServerCore: blocking sockets and HTTP/1.1 framing for the servers that run an app on plain threads.
///
/// Owns: listen addresses as users write them (`8000`, `127.0.0.1:8000`, `[::1]:8000`, a unix path), the
/// listening and connected sockets (`ListeningSocket`, `ConnectedSocket`: blocking reads, gathered writes,
/// sendfile), the HTTP/1.1 request parser (`HTTPRequestParser`, a pure function over bytes), the environ a request
/// becomes (`HTTPEnviron`), the response head writer (`HTTPResponseHead`), and the per-connection loop
/// (`HTTPConnection`): read a request, call the app, write the answer, keep the connection or close it.
/// Must not: know about Django, uWSGI's master or the harness; it serves whatever `Application` it is given.
/// Mirrors: Python's wsgiref/http.server as Django's runserver uses them (shared/spec/django-dev.md §2) and
/// uWSGI's http-socket, which differ in a few environ details captured by `HTTPEnviron.Style`.
