/// The nginx variables stackbench's front knows by name (shared/spec/nginx-subset.md §8, §9), besides the
/// `http_*`, `arg_*`, `cookie_*` and `sent_http_*` families: the one list both the config reader (which refuses any
/// other name, as nginx does) and the front's compiled log formats and uwsgi_params (which switch over it, so a name
/// added here without a value fails to compile) are made from.
public enum NginxVariable: String, CaseIterable, Sendable {
    // The request: its line, URI, arguments and body.
    case request, uri, args, scheme, https
    case requestMethod = "request_method", requestUri = "request_uri", documentUri = "document_uri"
    case queryString = "query_string", isArgs = "is_args", serverProtocol = "server_protocol"
    case contentType = "content_type", contentLength = "content_length", requestLength = "request_length"
    // Its connection: the client's end and the server's.
    case host, connection, connectionRequests = "connection_requests"
    case remoteAddr = "remote_addr", remotePort = "remote_port", remoteUser = "remote_user"
    case serverName = "server_name", serverPort = "server_port", serverAddr = "server_addr"
    // The file a static location maps it to.
    case documentRoot = "document_root", requestFilename = "request_filename"
    // The answer, as a log line says it.
    case status, msec, pid, nginxVersion = "nginx_version"
    case bodyBytesSent = "body_bytes_sent", bytesSent = "bytes_sent", requestTime = "request_time"
    case timeLocal = "time_local", timeIso8601 = "time_iso8601"
    // The hop to the pool (uwsgi_pass).
    case upstreamAddr = "upstream_addr", upstreamStatus = "upstream_status"
    case upstreamConnectTime = "upstream_connect_time", upstreamHeaderTime = "upstream_header_time"
    case upstreamResponseTime = "upstream_response_time"
}
