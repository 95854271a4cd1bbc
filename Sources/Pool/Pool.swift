/// Pool: stackbench's uWSGI — a master and worker processes serving an app over the uwsgi protocol (and HTTP).
///
/// Owns (so far): serving one uwsgi-protocol connection in a worker thread (`UwsgiConnection`: header and vars
/// checked as uWSGI checks them, post-buffering into memory or a temporary file, the app called, its answer
/// written as uWSGI writes it, the request log line). The master, workers, scoreboard, thunder lock, harakiri,
/// respawn, reload and stats server follow (issue 4).
/// Must not: know about nginx.conf, the harness or the load engine.
/// Mirrors: uWSGI 2.0 (`proto/uwsgi.c`, `core/protocol.c`, `core/logging.c`); see shared/spec/uwsgi-protocol.md and
/// uwsgi-ini.md.
