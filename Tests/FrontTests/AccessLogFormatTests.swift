@testable import Front
import StackConfig
import StackbenchTesting
import Testing

/// Log formats compiled at load: the seed's `main` line byte for byte as nginx writes it, escaping, and values.
@Suite struct AccessLogFormatTests {
    static func line(_ format: NginxLogFormat, request: String, status: Int = 200, sent: Int = 1024) -> String {
        var head = RequestHead()
        let input = Array(request.utf8)
        return input.withUnsafeBytes { bytes in
            _ = head.parse(bytes, limits: .init(line: 8192, head: 32768))
            var out = ByteArray(capacity: 64)
            defer { out.release() }
            let address = StableBytes("127.0.0.1"), port = StableBytes("5555"), name = StableBytes("example")
            let facts = RequestFacts(input: bytes, head: head, path: UnsafeRawBufferPointer(rebasing: bytes[head.target]),
                                     query: nil, remoteAddress: address.bytes, remotePort: port.bytes, serverPort: port.bytes,
                                     serverName: name.bytes, documentRoot: name.bytes, status: status, bodyBytesSent: sent)
            AccessLogFormat(format).write(facts, clock: LogClock(), into: &out)
            return String(decoding: out.bytes, as: UTF8.self)
        }
    }

    static func main() throws -> NginxLogFormat {
        let folder = try TemporaryFolder()
        try "http { \(SeedFiles.mainLogFormat) server { listen 127.0.0.1:9; access_log \(folder.file("a.log")) main; } }"
            .write(toFile: folder.file("nginx.conf"), atomically: true, encoding: .utf8)
        return try NginxConfig.load(file: folder.file("nginx.conf")).config.logFormats["main"]!
    }

    @Test func theSeedsMainFormatIsNginxsLine() throws {
        let line = try Self.line(Self.main(), request: "GET /static/app.css HTTP/1.1\r\nHost: x\r\nUser-Agent: curl/7.88.1\r\n\r\n")
        #expect(line.wholeMatch(of: #/127\.0\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET /static/app\.css HTTP/1\.1" 200 1024 "-" "curl/7\.88\.1" "-"\n/#) != nil, "\(line)")
    }

    @Test func valuesAreEscapedAsNginxEscapesThem() throws {
        let format = try NginxLogFormat(name: "t", escape: .default, template: NginxTemplate(parsing: "$http_user_agent|$status|$http_referer"))
        #expect(Self.line(format, request: "GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: a\"b\\c\u{7f}\r\n\r\n", status: 7)
                == "a\\x22b\\x5Cc\\x7F|007|-\n")
        let json = try NginxLogFormat(name: "j", escape: .json, template: NginxTemplate(parsing: "{\"ua\":\"$http_user_agent\",\"r\":\"$http_referer\"}"))
        #expect(Self.line(json, request: "GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: a\"b\r\n\r\n") == "{\"ua\":\"a\\\"b\",\"r\":\"\"}\n")
    }
}
