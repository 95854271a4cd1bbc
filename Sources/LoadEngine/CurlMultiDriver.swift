import Atomics
import BenchSupport
import CCurl
import CLinux
import Foundation

/// One client thread's event loop: a libcurl multi handle driven by `curl_multi_socket_action` and epoll.
///
/// Owns its C connection slots (one reused easy handle each), its RNG and its `ThreadRecorder`; nothing in it is
/// shared but the stop flag and the progress counters, which it only stores to. Per request the Swift side
/// allocates nothing. How requests travel is its `RequestCarrier`, chosen once from the plan's engine:
/// `CurlTransfers` (`.curl`) has libcurl carry each request as a transfer; `FramedRequests` (`.framed`) has libcurl
/// connect each slot once (CONNECT_ONLY) and then sends requests and frames responses on that connection itself.
///
/// `curl_multi_perform` + `curl_multi_poll` was measured against this loop (nginx, 1 KiB, one thread on one core):
/// the same CPU per request at 8 and 512 connections, ~5% less at 64. This loop is kept because
/// `curl_multi_poll` takes only millisecond timeouts, so in the open model every send could leave up to 1 ms
/// late and that lateness would count as server latency; epoll_pwait2 sleeps to the nanosecond.
final class CurlMultiDriver {
    /// One connection of the client: an easy handle and the request it carries now.
    struct Slot {
        var easy: UnsafeMutableRawPointer
        var index: Int
        /// Template the easy handle is configured for, -1 before the first request.
        var configuredTemplate = -1
        var intendedStart: UInt64 = 0
        var actualStart: UInt64 = 0
        /// When the response's first byte arrived (monotonic ns), 0 before it.
        var firstByteAt: UInt64 = 0
        var bodyBytes = 0
        /// A request is in progress on this slot.
        var active = false
        /// The easy handle is in the multi handle (a transfer, or a framed connection being made or kept).
        var inMulti = false
        /// Framed engine: the connection's socket (-1 when none), bytes of the request sent, responses so far
        /// on this connection, and where the response stands.
        var socket: Int32 = -1
        var sent = 0
        var responsesOnConnection = 0
        var framer = HTTP1ResponseFramer()
        /// Framed engine: a connection cache of this slot's own (a CURLSH sharing connections), so that libcurl
        /// finds the connection of every send and receive among one instead of among all of the thread's.
        var share: UnsafeMutableRawPointer?
    }


    /// What the socket, close and timer callbacks need: the epoll registry, the multi handle, libcurl's next
    /// timeout.
    struct EventState {
        var registry: EpollRegistry
        var multi: UnsafeMutableRawPointer
        /// When libcurl wants `CURL_SOCKET_TIMEOUT` (monotonic ns); 0 when it has no timer, 1 for "now".
        var timerDeadline: UInt64 = 0
    }

    let recorder: ThreadRecorder
    let plan: LoadPlan
    let templates: CurlRequestTemplates
    let timeline: Timeline
    let stopFlag: ManagedAtomic<Bool>
    let progress: ProgressCounters.Thread
    /// Requests this thread sends inside the measured window in count mode; Int.max otherwise.
    private let share: Int
    let slotCount: Int
    let slots: UnsafeMutablePointer<Slot>
    let events: UnsafeMutablePointer<EventState>
    var freeSlots: [Int] = []
    var activeCount = 0
    var issuedMeasured = 0
    var random: UInt64
    /// Open model: ns between this thread's sends, and the next send's intended time.
    let interval: UInt64
    var nextIntended: UInt64
    private let readyFds = UnsafeMutablePointer<Int32>.allocate(capacity: 64)
    private let readyEvents = UnsafeMutablePointer<UInt32>.allocate(capacity: 64)
    /// How the requests travel: chosen once, from the plan's engine (the framed one when the mix allows it).
    let carrier: any RequestCarrier

    init(index: Int, plan: LoadPlan, templates: CurlRequestTemplates, timeline: Timeline,
         stopFlag: ManagedAtomic<Bool>, progress: ProgressCounters.Thread, expectedSeconds: Int) {
        self.plan = plan
        self.templates = templates
        self.timeline = timeline
        self.stopFlag = stopFlag
        self.progress = progress
        recorder = ThreadRecorder(expectedSeconds: expectedSeconds, templates: templates.templates.count)
        /// Thread `index`'s part of `total` spread over the threads as evenly as whole numbers allow.
        func part(of total: Int) -> Int { LoadPlan.share(of: total, part: index, among: plan.threads) }
        slotCount = part(of: plan.connections)
        recorder.connections = slotCount
        if case .count(let total) = plan.stop {
            share = part(of: total)
        } else {
            share = .max
        }
        random = 0x9E37_79B9_7F4A_7C15 &* UInt64(index + 1)
        if case .open(let rate) = plan.schedule {
            // Capped at ~31 years: a rate of 1e-30 must not trap on the conversion.
            interval = max(1, UInt64(min(1e9 * Double(plan.threads) / rate, 1e18)))
            nextIntended = timeline.runStart + interval * UInt64(index) / UInt64(plan.threads)
        } else {
            interval = 0
            nextIntended = 0
        }
        if plan.engine == .framed, let wire = templates.wire {
            carrier = FramedRequests(wire: wire)
        } else {
            carrier = CurlTransfers()
        }
        let multi = curl_multi_init()!
        events = .allocate(capacity: 1)
        events.initialize(to: EventState(registry: EpollRegistry(epoll: epoll_create1(Int32(EPOLL_CLOEXEC))), multi: multi))
        slots = .allocate(capacity: slotCount)
        for i in 0..<slotCount {
            (slots + i).initialize(to: Slot(easy: curl_easy_init()!, index: i))
            configureConnection(slots + i)
        }
        freeSlots = Array((0..<slotCount).reversed())
        freeSlots.reserveCapacity(slotCount)
        configureMulti(multi)
    }

    deinit {
        for i in 0..<slotCount {
            if slots[i].inMulti { curl_multi_remove_handle(events.pointee.multi, slots[i].easy) }
            curl_easy_cleanup(slots[i].easy)
            if let share = slots[i].share { curl_share_cleanup(share) }
            slots[i].framer.deallocate()
        }
        curl_multi_cleanup(events.pointee.multi)
        close(events.pointee.registry.epoll)
        events.pointee.registry.deallocate()
        slots.deinitialize(count: slotCount)
        slots.deallocate()
        events.deallocate()
        readyFds.deallocate()
        readyEvents.deallocate()
    }

    var multi: UnsafeMutableRawPointer { events.pointee.multi }

    /// Runs until the window closes, the count is reached or a stop is requested.
    func run() {
        if let cpus = plan.cpus { cpus.pinCurrentThread() }
        // In steps, so that a stop request during a --start-at wait is seen.
        while monotonicNanoseconds() < timeline.runStart && !stopFlag.load(ordering: .relaxed) {
            sleepUntil(monotonicNanoseconds: min(timeline.runStart, monotonicNanoseconds() + 50_000_000))
        }
        if case .closed = plan.schedule {
            let now = monotonicNanoseconds()
            while let slot = freeSlots.popLast() {
                guard mayIssue(intended: now) else { freeSlots.append(slot); break }
                start(slot, intended: now, now: now)
            }
        }
        var running: Int32 = 0
        while true {
            let now = monotonicNanoseconds()
            if now >= timeline.end || stopFlag.load(ordering: .relaxed) { break }
            if recorder.cpuAtMeasureStart == nil && now >= timeline.measureStart {
                recorder.cpuAtMeasureStart = .currentThread()
            }
            if interval > 0 { issueDue(now: now) }
            let carrierDeadline = carrier.turn(now: now, in: self)
            // Nothing in flight and nothing more to send: a count is done; a window still runs to its end, so that
            // its length is the one asked for (an open model at 0.0001 req/s sends once, then waits).
            if activeCount == 0 && !mayIssue(intended: max(now, nextIntended)), case .count = plan.stop { break }
            let ready = sb_epoll_wait(events.pointee.registry.epoll, readyFds, readyEvents, 64,
                                      waitNanoseconds(now: now, carrierDeadline: carrierDeadline))
            for i in 0..<Int(max(ready, 0)) {
                let flags = readyEvents[i]
                if carrier.handle(readyFds[i], flags: flags, in: self) { continue }
                guard events.pointee.registry.claim(readyFds[i]) else { continue }
                var action: Int32 = 0
                if flags & UInt32(EPOLLIN.rawValue) != 0 { action |= CURL_CSELECT_IN }
                if flags & UInt32(EPOLLOUT.rawValue) != 0 { action |= CURL_CSELECT_OUT }
                if flags & UInt32(EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { action |= CURL_CSELECT_ERR }
                curl_multi_socket_action(multi, readyFds[i], action, &running)
            }
            let deadline = events.pointee.timerDeadline
            if deadline == 1 || (deadline != 0 && monotonicNanoseconds() >= deadline) {
                events.pointee.timerDeadline = 0
                curl_multi_socket_action(multi, sb_curl_socket_timeout, 0, &running)
            }
            drainCompletions()
        }
        recordUnfinished(at: min(monotonicNanoseconds(), timeline.end))
        recorder.cpuAtEnd = .currentThread()
    }

    /// Whether a request intended at `intended` may still be sent: inside the window and within the count.
    @inline(__always)
    func mayIssue(intended: UInt64) -> Bool {
        intended < timeline.end && (intended < timeline.measureStart || issuedMeasured < share)
    }

    @inline(__always)
    func start(_ index: Int, intended: UInt64, now: UInt64) {
        let slot = slots + index
        let template = templates.templates.count == 1 ? 0 : templates.pick(nextUniform())
        slot.pointee.intendedStart = intended
        slot.pointee.actualStart = now
        slot.pointee.firstByteAt = 0
        slot.pointee.bodyBytes = 0
        slot.pointee.active = true
        if intended >= timeline.measureStart { issuedMeasured += 1 }
        activeCount += 1
        carrier.start(slot, template: template, in: self)
    }

    /// Open model: sends every request whose intended time has come, while connections are free.
    @inline(__always)
    private func issueDue(now: UInt64) {
        while nextIntended <= now && mayIssue(intended: nextIntended), let slot = freeSlots.popLast() {
            start(slot, intended: nextIntended, now: now)
            nextIntended += interval
        }
    }

    /// How long epoll may sleep: until libcurl's timer, the next intended send, the carrier's deadline while
    /// requests are in flight, or the window's end; at most 100 ms so that a stop request is seen.
    @inline(__always)
    private func waitNanoseconds(now: UInt64, carrierDeadline: UInt64) -> Int64 {
        var until = min(now + 100_000_000, timeline.end)
        let deadline = events.pointee.timerDeadline
        if deadline != 0 { until = min(until, deadline) }
        if interval > 0 && !freeSlots.isEmpty && mayIssue(intended: nextIntended) { until = min(until, nextIntended) }
        if activeCount > 0 { until = min(until, carrierDeadline) }
        return until > now ? Int64(until - now) : 0
    }

    /// Records every finished transfer and puts its connection back to work.
    @inline(__always)
    func drainCompletions() {
        var left: Int32 = 0
        while let message = curl_multi_info_read(multi, &left) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let code = Int(sb_msg_result(message).rawValue)
            var context: UnsafeMutableRawPointer? = nil
            sb_easy_getinfo_ptr(easy, CURLINFO_PRIVATE, &context)
            carrier.finished(context!.assumingMemoryBound(to: Slot.self), easy: easy, code: code, in: self)
        }
    }

    /// Records the slot's ended request (`code` 0: a response) and puts the slot back to work.
    @inline(__always)
    func finish(_ slot: UnsafeMutablePointer<Slot>, code: Int, status: Int, bytes: Int) {
        let now = monotonicNanoseconds()
        slot.pointee.active = false
        activeCount -= 1
        let measured = slot.pointee.intendedStart >= timeline.measureStart
        if (measured || interval == 0) && now > timeline.end {
            countUnfinished(since: slot.pointee.intendedStart, closed: timeline.end)
        } else if measured {
            recorder.record(correctedMicros: (now &- slot.pointee.intendedStart) / 1000,
                            uncorrectedMicros: (now &- slot.pointee.actualStart) / 1000,
                            status: status, curlCode: code, bytes: bytes,
                            second: timeline.second(of: now), completedAt: now,
                            template: slot.pointee.configuredTemplate)
            if code == 0 && slot.pointee.firstByteAt > slot.pointee.actualStart {
                recorder.recordFirstByte(micros: (slot.pointee.firstByteAt - slot.pointee.actualStart) / 1000)
            }
            progress.responses.store(recorder.responses, ordering: .relaxed)
            progress.errors.store(recorder.errors, ordering: .relaxed)
        }
        if interval == 0 && mayIssue(intended: now) && !stopFlag.load(ordering: .relaxed) {
            start(slot.pointee.index, intended: now, now: now)
        } else {
            freeSlots.append(slot.pointee.index)
        }
    }

    /// Counts requests of the window still in flight — in the closed model also one sent in the warm-up, which held
    /// its connection through the window — and in the open model those due but never sent: counted, not stepped
    /// through (at --rate 1e18 a second holds 10^9 of them).
    private func recordUnfinished(at now: UInt64) {
        for i in 0..<slotCount where slots[i].active && (slots[i].intendedStart >= timeline.measureStart || interval == 0) {
            countUnfinished(since: slots[i].intendedStart, closed: now)
        }
        guard interval > 0, timeline.end > 0 else { return }
        let last = min(now, timeline.end - 1)  // the last intended time a request could have been due at
        guard nextIntended <= last else { return }
        var first = nextIntended  // the first due one inside the measured window
        if first < timeline.measureStart {
            let steps = (timeline.measureStart - first + interval - 1) / interval
            guard steps <= (last - first) / interval else { return }
            first += steps * interval
        }
        let due = Int(clamping: (last - first) / interval + 1)
        let counted = min(due, share == .max ? due : max(0, share - issuedMeasured))
        recorder.unfinished += counted
        if counted > 0, last > first { recorder.oldestUnfinishedMicros = max(recorder.oldestUnfinishedMicros, (last - first) / 1000) }
        issuedMeasured += counted
    }

    /// Counts one request of the window unanswered when it closed (at `closed`), due at `intended`.
    private func countUnfinished(since intended: UInt64, closed: UInt64) {
        recorder.unfinished += 1
        if closed > intended { recorder.oldestUnfinishedMicros = max(recorder.oldestUnfinishedMicros, (closed - intended) / 1000) }
    }

    /// xorshift64*, uniform in 0..<1.
    @inline(__always)
    func nextUniform() -> Double {
        random ^= random >> 12
        random ^= random << 25
        random ^= random >> 27
        return Double((random &* 0x2545_F491_4F6C_DD1D) >> 11) / Double(1 << 53)
    }
}
