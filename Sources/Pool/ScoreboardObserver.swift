import Foundation
import WSGI

/// Feeds a worker's scoreboard slot from its requests: busy/idle, the harakiri deadline, counts and timings.
struct ScoreboardObserver: RequestObserver {
    let slot: WorkerSlot
    let harakiriSeconds: Int

    func begin(_ text: String) {
        slot.beginRequest(nowMicros: Int(Date().timeIntervalSince1970 * 1_000_000), harakiriSeconds: harakiriSeconds,
                          text: text)
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
        observer.begin("\(request.environ["REMOTE_ADDR"] ?? "") - \(request.environ.method) \(request.environ["REQUEST_URI"] ?? request.environ.pathInfo)")
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
