/// Pool: stackbench's uWSGI — a master and worker processes serving an app over the uwsgi protocol (and HTTP).
///
/// Owns: the master (`Master`, `Master+Supervision`: workers spawned and respawned, SIGHUP reload and SIGTERM/SIGINT
/// stop as uWSGI does them, harakiri, the pidfile, vacuum), the workers (`Worker`: processes with threads, the
/// thunder lock around accept), the shared scoreboard the master and the stats server read (`Scoreboard`,
/// `WorkerSlot`), the stats server (`StatsServer`: uWSGI's JSON), serving one uwsgi-protocol connection in a worker
/// thread (`UwsgiConnection`: header and vars checked as uWSGI checks them, post-buffering into memory or a
/// temporary file, the app called, its answer written as uWSGI writes it) and the request log line.
/// Must not: know about nginx.conf, the harness or the load engine.
/// Mirrors: uWSGI 2.0 (`core/master.c`, `proto/uwsgi.c`, `core/protocol.c`, `core/logging.c`); see
/// shared/spec/uwsgi-protocol.md, uwsgi-ini.md and uwsgi-signals.md.
