import BenchSupport
import Foundation
import Testing

@Suite struct CPUSetTests {
    @Test(arguments: [("0", [0]), ("0,0", [0]), ("0-1", [0, 1]), ("1,0", [0, 1])])
    func parsesTasksetLists(text: String, cpus: [Int]) throws {
        #expect(try CPUSet(parsing: text).cpus == cpus)
    }

    @Test(arguments: ["", "a", "1-0", "-1", "0-", "0,,1", "99999"])
    func rejectsBadLists(text: String) {
        #expect(throws: FlagError.self) { try CPUSet(parsing: text) }
    }

    @Test func errorNamesTheFlag() {
        do {
            _ = try CPUSet(parsing: "x", flag: "--cpus")
            Issue.record("no error")
        } catch {
            #expect("\(error)".hasPrefix("--cpus must be a CPU list"))
        }
    }

    /// Pins a thread of its own (never the test runner's) and reads back what the kernel allows it.
    @Test func pinsTheCallingThread() throws {
        let set = try CPUSet(parsing: "0")
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: (Int32?, String) = (nil, "")
        let thread = Thread {
            let status = set.pinCurrentThread()
            let text = (try? String(contentsOfFile: "/proc/thread-self/status", encoding: .utf8)) ?? ""
            let allowed = text.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") } ?? ""
            outcome = (status, allowed.split(separator: "\t").last.map(String.init) ?? "")
            done.signal()
        }
        thread.start()
        done.wait()
        #expect(outcome.0 == nil)
        #expect(outcome.1 == "0")
    }
}
