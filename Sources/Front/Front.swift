/// Front: stackbench's nginx — static files from disk and `uwsgi_pass` to a pool, from the nginx.conf users have.
///
/// Owns: the listening sockets and one epoll loop per `worker_processes` on threads of one process (`FrontServer`,
/// `Event/FrontLoop`), each client connection's state machine over buffers allocated once (`Event/Connection`,
/// `ConnectionPhase`), the request head parsed in place and the URI normalised (`HTTP/`), admission (`Admission`),
/// static answers and the open_file_cache (`Static/`), the upstream exchange with its framing enforced
/// (`Upstream/`), nginx's error pages, and the access and error logs with formats compiled at load (`Logs/`).
/// docs/front.md lists the directives and where it differs from nginx.
/// Must not: know about the harness, the pool's internals (it speaks the uwsgi protocol only) or the load engine.
/// Mirrors: nginx 1.22 (`ngx_http_static_module`, `ngx_http_uwsgi_module`, `ngx_http_log_module`); see
/// shared/spec/nginx-subset.md.
