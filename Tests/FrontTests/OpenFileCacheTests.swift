import Foundation
import Front
import StackbenchTesting
import Testing

/// `open_file_cache` as nginx has it, seen from outside: what a cached descriptor keeps serving, how long
/// (`open_file_cache_valid`), cached misses (`open_file_cache_errors`), and how many descriptors stay open (`max`,
/// `open_file_cache_min_uses`) — counted in this process's /proc/self/fd, where the in-process front keeps them.
@Suite(.serialized) struct OpenFileCacheTests {
    typealias RunningFront = FrontLimitsTests.RunningFront

    static func status(_ front: RunningFront, _ path: String) throws -> (Int, String) {
        let answer = try RawHTTPClient.exchange(port: front.port, "GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let status = Int(answer.split(separator: " ").dropFirst().first ?? "") ?? 0
        return (status, String(answer.split(separator: "\r\n\r\n", maxSplits: 1).last ?? ""))
    }

    /// Descriptors of this process open on files of the front's site folder.
    static func openSiteFiles(_ front: RunningFront) -> Int {
        let site = front.folder.file("site") + "/"
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return descriptors.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0))?.hasPrefix(site) == true }.count
    }

    @Test func withoutTheCacheADeletedFileIsGoneAtOnce() throws {
        let front = try RunningFront(http: "")
        #expect(try Self.status(front, "/static/small.txt").0 == 200)
        #expect(Self.openSiteFiles(front) == 0, "nothing kept open without open_file_cache")
        try FileManager.default.removeItem(atPath: front.folder.file("site/small.txt"))
        #expect(try Self.status(front, "/static/small.txt").0 == 404)
    }

    @Test func aCachedFileIsServedFromItsDescriptorUntilValidRunsOut() throws {
        let front = try RunningFront(http: "open_file_cache max=10; open_file_cache_valid 1s;")
        #expect(try Self.status(front, "/static/small.txt") == (200, "small\n"))
        try FileManager.default.removeItem(atPath: front.folder.file("site/small.txt"))
        #expect(try Self.status(front, "/static/small.txt") == (200, "small\n"), "nginx serves the open descriptor")
        Thread.sleep(forTimeInterval: 1.3)
        #expect(try Self.status(front, "/static/small.txt").0 == 404, "looked up again after open_file_cache_valid")
        #expect(Self.openSiteFiles(front) == 0, "the deleted file's descriptor was closed")
    }

    @Test func missesAreCachedOnlyWithOpenFileCacheErrors() throws {
        for errors in [false, true] {
            let front = try RunningFront(http: "open_file_cache max=10; open_file_cache_valid 1s; open_file_cache_errors \(errors ? "on" : "off");")
            #expect(try Self.status(front, "/static/later.txt").0 == 404)
            try "later\n".write(toFile: front.folder.file("site/later.txt"), atomically: true, encoding: .utf8)
            #expect(try Self.status(front, "/static/later.txt").0 == (errors ? 404 : 200), "errors \(errors)")
            Thread.sleep(forTimeInterval: errors ? 1.3 : 0)
            #expect(try Self.status(front, "/static/later.txt") == (200, "later\n"))
        }
    }

    @Test func maxBoundsTheOpenDescriptorsAndMinUsesDelaysKeepingOne() throws {
        let front = try RunningFront(http: "open_file_cache max=2; open_file_cache_min_uses 2;")
        for name in ["a", "b", "c", "d"] {
            try name.write(toFile: front.folder.file("site/\(name).txt"), atomically: true, encoding: .utf8)
        }
        #expect(try Self.status(front, "/static/a.txt") == (200, "a"))
        #expect(Self.openSiteFiles(front) == 0, "one use of min_uses 2: not kept")
        #expect(try Self.status(front, "/static/a.txt") == (200, "a"))
        #expect(Self.openSiteFiles(front) == 1, "the second use keeps it")
        for name in ["b", "b", "c", "c", "d", "d"] { #expect(try Self.status(front, "/static/\(name).txt") == (200, name)) }
        #expect(Self.openSiteFiles(front) == 2, "max=2: the least recently used were closed")
        for name in ["a", "b", "c", "a", "b", "c"] { #expect(try Self.status(front, "/static/\(name).txt") == (200, name)) }
        #expect(Self.openSiteFiles(front) == 0, "taking turns among more paths than max: each dropped before its second use")
    }

    /// A reload keeps the running loops (worker_processes takes a restart, as the listen addresses do): a config
    /// with fewer workers must not leave a loop without its cache.
    @Test func aReloadToFewerWorkerProcessesKeepsEveryLoopServing() throws {
        let front = try RunningFront(http: "open_file_cache max=10;", workerProcesses: 2)
        let text = try String(contentsOfFile: front.folder.file("nginx.conf"), encoding: .utf8)
        try text.replacingOccurrences(of: "worker_processes 2;", with: "worker_processes 1;")
            .write(toFile: front.folder.file("nginx.conf"), atomically: true, encoding: .utf8)
        front.server.reload(from: front.folder.file("nginx.conf"), prefix: nil)
        for _ in 0..<20 { #expect(try Self.status(front, "/static/small.txt") == (200, "small\n")) }
    }
}
