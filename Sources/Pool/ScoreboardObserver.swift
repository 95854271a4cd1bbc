import Foundation
import WSGI

/// Feeds a worker's scoreboard slot from its requests: busy/idle, the harakiri deadline, counts and timings. A
/// class, so that passing it on per request is a retain, not a copy of an existential.
final class ScoreboardObserver: RequestObserver {
    let slot: WorkerSlot
    let harakiriSeconds: Int

    init(slot: WorkerSlot, harakiriSeconds: Int) {
        self.slot = slot
        self.harakiriSeconds = harakiriSeconds
    }

    /// The request's text is kept only for the harakiri report, so it is built only when harakiri is on.
    func begin(_ text: @autoclosure () -> String) {
        slot.beginRequest(nowMicros: Int(Date().timeIntervalSince1970 * 1_000_000), harakiriSeconds: 0,
                          text: harakiriSeconds > 0 ? text() : "")
    }

    func appStarts() {
        guard harakiriSeconds > 0 else { return }
        slot.armHarakiri(nowMicros: Int(Date().timeIntervalSince1970 * 1_000_000), seconds: harakiriSeconds)
    }

    func end(micros: Int, bytes: Int, failed: Bool) {
        slot.endRequest(micros: micros, bytes: bytes, failed: failed)
    }
}

/// The app, observed: for http-socket requests, whose connection loop knows nothing of the scoreboard.
struct ObservedApplication: Application {
    let app: Application
    let observer: RequestObserver

    func handle(_ request: Request) throws -> Response {
        let started = Date()
        observer.begin(request.environ.requestDescription)
        observer.appStarts()
        do {
            let response = try app.handle(request)
            observer.end(micros: Int(Date().timeIntervalSince(started) * 1_000_000), bytes: response.body.knownLength ?? 0,
                         failed: false)
            return response
        } catch {
            observer.end(micros: Int(Date().timeIntervalSince(started) * 1_000_000), bytes: 0, failed: true)
            throw error
        }
    }
}

extension Environ {
    /// What the harakiri report says a request was: `127.0.0.1 - GET /sleep?ms=10`.
    var requestDescription: String {
        "\(self["REMOTE_ADDR"] ?? "") - \(method) \(self["REQUEST_URI"] ?? pathInfo)"
    }
}
