/// The nginx variables stackbench's front knows by name (shared/spec/nginx-subset.md §8, §9), besides the
/// `http_*`, `arg_*`, `cookie_*` and `sent_http_*` families: the one list both the config reader (which refuses any
/// other name, as nginx does) and the front's compiled log formats and uwsgi_params (which switch over it, so a name
/// added here without a value fails to compile) are made from.
public enum NginxVariable: String, CaseIterable, Sendable {
    case uri
    case documentUri = "document_uri"
    case requestUri = "request_uri"
    case args
    case queryString = "query_string"
    case isArgs = "is_args"
    case host
    case serverName = "server_name"
    case serverPort = "server_port"
    case serverAddr = "server_addr"
    case serverProtocol = "server_protocol"
    case remoteAddr = "remote_addr"
    case remotePort = "remote_port"
    case remoteUser = "remote_user"
    case scheme
    case https
    case requestMethod = "request_method"
    case contentType = "content_type"
    case contentLength = "content_length"
    case documentRoot = "document_root"
    case request
    case status
    case bodyBytesSent = "body_bytes_sent"
    case bytesSent = "bytes_sent"
    case requestLength = "request_length"
    case requestTime = "request_time"
    case timeLocal = "time_local"
    case timeIso8601 = "time_iso8601"
    case msec
    case connection
    case connectionRequests = "connection_requests"
    case upstreamResponseTime = "upstream_response_time"
    case upstreamConnectTime = "upstream_connect_time"
    case upstreamHeaderTime = "upstream_header_time"
    case upstreamAddr = "upstream_addr"
    case upstreamStatus = "upstream_status"
    case pid
    case nginxVersion = "nginx_version"
    case requestFilename = "request_filename"
}
