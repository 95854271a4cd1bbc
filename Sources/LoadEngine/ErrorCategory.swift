import CCurl

/// How a failed request failed, in the categories the summary and result.json break errors down into.
public enum ErrorCategory: String, Codable, Sendable, CaseIterable {
    /// Nothing listened, or the connection was refused (CURLE_COULDNT_CONNECT).
    case connectRefused = "connect"
    /// The TLS handshake failed or the peer's certificate was not trusted (CURLE_SSL_CONNECT_ERROR,
    /// PEER_FAILED_VERIFICATION and the other CURLE_SSL_* codes): `--insecure` or `--cacert` for a self-signed one.
    case tls
    /// The request ran past --timeout, while connecting or waiting (CURLE_OPERATION_TIMEDOUT).
    case timeout
    /// The peer reset or closed the connection, or sent nothing (CURLE_RECV_ERROR, SEND_ERROR, GOT_NOTHING,
    /// PARTIAL_FILE).
    case readError = "read"
    /// Any other libcurl error, kept by code in the result.
    case other

    /// The category of a libcurl result code other than CURLE_OK.
    public init(curlCode: Int) {
        switch UInt32(truncatingIfNeeded: curlCode) {
        case CURLE_COULDNT_CONNECT.rawValue: self = .connectRefused
        case CURLE_OPERATION_TIMEDOUT.rawValue: self = .timeout
        case CURLE_SSL_CONNECT_ERROR.rawValue, CURLE_PEER_FAILED_VERIFICATION.rawValue, CURLE_SSL_CERTPROBLEM.rawValue,
             CURLE_SSL_CIPHER.rawValue, CURLE_SSL_CACERT_BADFILE.rawValue, CURLE_SSL_SHUTDOWN_FAILED.rawValue,
             CURLE_SSL_ISSUER_ERROR.rawValue, CURLE_SSL_PINNEDPUBKEYNOTMATCH.rawValue,
             CURLE_SSL_INVALIDCERTSTATUS.rawValue, CURLE_SSL_CLIENTCERT.rawValue, CURLE_SSL_ENGINE_NOTFOUND.rawValue:
            self = .tls
        case CURLE_RECV_ERROR.rawValue, CURLE_SEND_ERROR.rawValue, CURLE_GOT_NOTHING.rawValue,
             CURLE_PARTIAL_FILE.rawValue:
            self = .readError
        default: self = .other
        }
    }

    /// libcurl's own words for a result code, e.g. "Couldn't connect to server".
    public static func describe(curlCode: Int) -> String {
        String(cString: curl_easy_strerror(CURLcode(UInt32(truncatingIfNeeded: curlCode))))
    }
}
