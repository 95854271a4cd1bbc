import BenchSupport
import LoadEngine
import Testing

@Suite struct LoadPlanTests {
    static let url = "http://127.0.0.1:8080/"

    /// Each row changes one thing in a good plan and names the flag its error must start with.
    static let badPlans: [(String, @Sendable (inout LoadPlan) -> Void, String)] = [
        ("no scheme", { $0.requests[0].url = "127.0.0.1:8080/" }, "URL"),
        ("gopher", { $0.requests[0].url = "gopher://127.0.0.1/" }, "URL"),
        ("unreadable CA file", { $0.caCertificatePath = "/nonexistent/ca.pem" }, "--cacert"),
        ("no host", { $0.requests[0].url = "http:///x" }, "URL"),
        ("space", { $0.requests[0].url = "http://127.0.0.1/a b" }, "URL"),
        ("port", { $0.requests[0].url = "http://127.0.0.1:70000/" }, "URL"),
        ("zero connections", { $0.connections = 0 }, "-c/--connections"),
        ("negative connections", { $0.connections = -5 }, "-c/--connections"),
        ("fewer connections than threads", { $0.connections = 2; $0.threads = 4 }, "-c/--connections"),
        ("zero threads", { $0.threads = 0 }, "-t/--threads"),
        ("too many threads", { $0.threads = 5000; $0.connections = 5000 }, "-t/--threads"),
        ("zero duration", { $0.stop = .duration(nanoseconds: 0) }, "-d/--duration"),
        ("zero count", { $0.stop = .count(0) }, "-n/--requests"),
        ("zero rate", { $0.schedule = .open(requestsPerSecond: 0) }, "--rate"),
        ("negative rate", { $0.schedule = .open(requestsPerSecond: -5) }, "--rate"),
        ("tiny timeout", { $0.timeoutNanoseconds = 10 }, "--timeout"),
        ("bad method", { $0.requests[0].method = "G ET" }, "-m/--method"),
        ("bad header", { $0.requests[0].headers = ["NoColon"] }, "-H/--header"),
        ("header injection", { $0.requests[0].headers = ["A: b\r\nC: d"] }, "-H/--header"),
        ("zero weight", { $0.requests[0].weight = 0 }, "weight"),
        ("long socket path", { $0.unixSocketPath = String(repeating: "a", count: 200) }, "--unix-socket"),
    ]

    @Test(arguments: badPlans.indices)
    func rejectsBadPlans(row: Int) {
        let (name, change, flag) = Self.badPlans[row]
        var plan = LoadPlan(requests: [RequestSpec(url: Self.url)])
        change(&plan)
        do {
            try plan.validate()
            Issue.record("\(name): accepted")
        } catch let error as FlagError {
            #expect(error.flag == flag, "\(name)")
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
