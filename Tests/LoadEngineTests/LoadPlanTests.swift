import BenchSupport
import LoadEngine
import Testing

@Suite struct LoadPlanTests {
    static let url = "http://127.0.0.1:8080/"

    /// Each row changes one thing in a good plan and names the setting its error must name.
    static let badPlans: [(String, @Sendable (inout LoadPlan) -> Void, LoadPlanError.Setting)] = [
        ("no scheme", { $0.requests[0].url = "127.0.0.1:8080/" }, .url),
        ("gopher", { $0.requests[0].url = "gopher://127.0.0.1/" }, .url),
        ("unreadable CA file", { $0.caCertificatePath = "/nonexistent/ca.pem" }, .caCertificate),
        ("no host", { $0.requests[0].url = "http:///x" }, .url),
        ("space", { $0.requests[0].url = "http://127.0.0.1/a b" }, .url),
        ("port", { $0.requests[0].url = "http://127.0.0.1:70000/" }, .url),
        ("zero connections", { $0.connections = 0 }, .connections),
        ("negative connections", { $0.connections = -5 }, .connections),
        ("fewer connections than threads", { $0.connections = 2; $0.threads = 4 }, .connections),
        ("zero threads", { $0.threads = 0 }, .threads),
        ("too many threads", { $0.threads = 5000; $0.connections = 5000 }, .threads),
        ("zero duration", { $0.stop = .duration(nanoseconds: 0) }, .duration),
        ("zero count", { $0.stop = .count(0) }, .requests),
        ("zero rate", { $0.schedule = .open(requestsPerSecond: 0) }, .rate),
        ("negative rate", { $0.schedule = .open(requestsPerSecond: -5) }, .rate),
        ("tiny timeout", { $0.timeoutNanoseconds = 10 }, .timeout),
        ("bad method", { $0.requests[0].method = "G ET" }, .method),
        ("bad header", { $0.requests[0].headers = ["NoColon"] }, .header),
        ("header injection", { $0.requests[0].headers = ["A: b\r\nC: d"] }, .header),
        ("zero weight", { $0.requests[0].weight = 0 }, .weight),
        ("long socket path", { $0.unixSocketPath = String(repeating: "a", count: 200) }, .unixSocket),
    ]

    @Test(arguments: badPlans.indices)
    func rejectsBadPlans(row: Int) {
        let (name, change, setting) = Self.badPlans[row]
        var plan = LoadPlan(requests: [RequestSpec(url: Self.url)])
        change(&plan)
        do {
            try plan.validate()
            Issue.record("\(name): accepted")
        } catch let error as LoadPlanError {
            #expect(error.setting == setting, "\(name)")
            #expect(error.exitStatus == .usage)
        } catch {
            Issue.record("\(name): unexpected \(error)")
        }
    }

    @Test func acceptsAGoodPlan() throws {
        var plan = LoadPlan(requests: [RequestSpec(url: Self.url, method: "POST", headers: ["X-A: 1"], body: [1])])
        plan.schedule = .open(requestsPerSecond: 100)
        try plan.validate()
    }
}
