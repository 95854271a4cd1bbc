import Foundation
import LoadEngine
import Results
@testable import Scenario
import StackConfig
import StackbenchTesting
import Testing

/// The front's timing log read back: lines as nginx writes them (seconds, `-` without an upstream), cut into
/// windows by each request's end, medians in milliseconds.
@Suite struct FrontTimingLogTests {
    static let text = """
        1764797000.100 0.042 0.000 0.041 0.041
        1764797000.200 0.044 0.000 0.043 0.044
        1764797000.300 0.001 - - -
        1764797001.500 0.040 0.001 0.039 0.040
        1764797002.900 0.050 0.000 0.049 0.050
        1764797003.0
        """

    @Test func linesParseAndCutIntoWindowsByTheirEnd() throws {
        let entries = FrontTimingLog.entries(Self.text)
        #expect(entries.count == 5, "the partial last line is skipped")
        #expect(entries[2] == .init(end: 1764797000.3, request: 0.001), "a static request has no upstream times")
        let window = try #require(FrontTimingLog.window(entries, start: 1764797000.0, seconds: 2))
        #expect(window.requests == 4 && window.upstreamRequests == 3)
        #expect(window.requestMillis == 42 && window.headerMillis == 41 && window.responseMillis == 41 && window.connectMillis == 0)
        #expect(FrontTimingLog.window(entries, start: 1764797010, seconds: 2) == nil)
        #expect(window.slowConnects == nil)
    }

    /// Connects to the pool of a second or more (a SYN sent again) are counted over the requests in flight during
    /// the window — also one the client gave up on at its end, logged just after it with no answer head — and
    /// not those under a second, or of requests that began after the window.
    @Test func connectsOfASecondOrMoreAreCounted() throws {
        let entries = FrontTimingLog.entries("""
            1764797000.100 1.016 1.010 1.015 1.016
            1764797000.200 0.006 0.000 0.005 0.006
            1764797000.300 3.021 3.013 3.020 3.021
            1764797000.400 0.990 0.985 0.989 0.990
            1764797002.004 2.300 1.006 - -
            1764797004.500 1.200 1.100 1.199 1.200
            """)
        let window = try #require(FrontTimingLog.window(entries, start: 1764797000.0, seconds: 2))
        #expect(window.slowConnects == 3)
        #expect(window.requests == 4, "the medians keep the requests that ended in the window")
    }

    @Test func theRewrittenConfigTimesEveryLoggedBlockAndLeavesAccessLogOffAlone() throws {
        let folder = try TemporaryFolder()
        let conf = folder.file("server.conf")
        try """
            server {
                listen 80;
                access_log /var/log/nginx/access.log main;
                location / { uwsgi_pass unix:/tmp/x.sock; }
                location /quiet/ { access_log off; }
            }
            """.write(toFile: conf, atomically: true, encoding: .utf8)
        let layout = StackLayout(work: folder.path, cellIndex: 1, settingsFile: folder.file("settings.yml"))
        let text = NginxConfigText.text(try layout.nginxDirectives(from: conf, originalProject: nil, settings: [], port: 8080))
        #expect(text.contains("log_format stackbench_timing \"$msec $request_time $upstream_connect_time $upstream_header_time $upstream_response_time\""), "\(text)")
        #expect(text.components(separatedBy: "access_log \(layout.timingLog) stackbench_timing buffer=64k").count == 2, "once, in the server block: \(text)")
        #expect(text.contains("access_log \(layout.accessLog) main"), "the user's log stays: \(text)")
    }
}
