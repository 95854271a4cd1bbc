/// nginx's built-in answers for error statuses (shared/spec/nginx-subset.md §6): its own reason phrases and the
/// small HTML page, `\r\n`-joined, ending with the server signature.
enum ErrorPage {
    static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 206: return "Partial Content"
        case 301: return "Moved Permanently"
        case 302: return "Moved Temporarily"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Not Allowed"
        case 408: return "Request Time-out"
        case 412: return "Precondition Failed"
        case 413: return "Request Entity Too Large"
        case 414: return "Request-URI Too Large"
        case 416: return "Requested Range Not Satisfiable"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Temporarily Unavailable"
        case 504: return "Gateway Time-out"
        case 505: return "HTTP Version Not Supported"
        default: return "Unknown"
        }
    }

    /// The page body for `status` with `signature` (`nginx/1.22.1` or `nginx`, as server_tokens says).
    static func body(_ status: Int, signature: String) -> String {
        let title = "\(status) \(reason(status))"
        return "<html>\r\n<head><title>\(title)</title></head>\r\n<body>\r\n<center><h1>\(title)</h1></center>\r\n"
            + "<hr><center>\(signature)</center>\r\n</body>\r\n</html>\r\n"
    }
}
