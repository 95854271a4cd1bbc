@testable import Front
import StackConfig
import Testing

/// The connection's phases and timers without sockets: each path a request takes, the timer each phase runs, and
/// events that cannot happen in a phase.
@Suite struct ConnectionPhaseTests {
    typealias Phase = ConnectionPhase

    static func walk(_ events: [Phase.Event], from start: Phase = .awaitingHead(idle: false)) -> [Phase?] {
        var phase: Phase? = start
        return events.map { event in
            phase = phase?.next(event)
            return phase
        }
    }

    @Test func aStaticRequestKeptAliveReturnsToIdle() {
        #expect(Self.walk([.headAnswered, .responseDone(keepAlive: true), .firstByte, .headAnswered, .responseDone(keepAlive: false)])
                == [.writing, .awaitingHead(idle: true), .awaitingHead(idle: false), .writing, .closed])
    }

    @Test func aProxiedRequestWithABodyWalksEveryUpstreamPhase() {
        #expect(Self.walk([.headWithBody, .bodyRead, .upstreamConnected, .upstreamRequestSent, .upstreamHeadRead, .responseDone(keepAlive: true)])
                == [.readingBody, .connectingUpstream, .sendingUpstream, .awaitingUpstreamHead, .relaying, .awaitingHead(idle: true)])
    }

    @Test func anUpstreamFailureBeforeTheHeadIsAnsweredByTheFront() {
        for events: [Phase.Event] in [[.headProxied], [.headProxied, .upstreamConnected], [.headProxied, .upstreamConnected, .upstreamRequestSent]] {
            #expect(Self.walk(events + [.upstreamFailed]).last == .writing, "\(events)")
        }
        #expect(Self.walk([.headProxied, .upstreamConnected, .upstreamRequestSent, .upstreamHeadRead, .upstreamFailed]).last == .writing,
                "after the head was relayed, what the client has is written out (the connection then closes)")
    }

    @Test func anIndexThatMapsUpstreamStartsTheRequestOverThere() {
        #expect(Self.walk([.headAnswered, .internalRedirect, .headProxied]) == [.writing, .awaitingHead(idle: false), .connectingUpstream])
        #expect(Phase.relaying.next(.internalRedirect) == nil)
    }

    @Test func theLastChunkStillBeingWrittenEndsInWriting() {
        #expect(Self.walk([.headProxied, .upstreamConnected, .upstreamRequestSent, .upstreamHeadRead, .upstreamBodyRead, .responseDone(keepAlive: true)])
                == [.connectingUpstream, .sendingUpstream, .awaitingUpstreamHead, .relaying, .writing, .awaitingHead(idle: true)])
    }

    @Test(arguments: [
        (Phase.awaitingHead(idle: true), Phase.Event.bodyRead),
        (.writing, .headAnswered),
        (.relaying, .upstreamConnected),
        (.closed, .firstByte),
        (.readingBody, .upstreamHeadRead),
    ])
    func eventsThatCannotHappenAreRefused(phase: Phase, event: Phase.Event) {
        #expect(phase.next(event) == nil)
    }

    @Test func closingClosesFromAnyPhase() {
        for phase: Phase in [.awaitingHead(idle: true), .readingBody, .relaying, .writing, .sendingUpstream] {
            #expect(phase.next(.closing) == .closed)
        }
    }

    static var scope: NginxScope {
        var scope = NginxScope(prefix: "/tmp", errorLog: NginxErrorLog(path: nil, level: .error))
        scope.keepaliveTimeout = 75_000
        scope.clientHeaderTimeout = 11_000
        scope.clientBodyTimeout = 12_000
        scope.sendTimeout = 13_000
        scope.uwsgiConnectTimeout = 14_000
        scope.uwsgiSendTimeout = 15_000
        scope.uwsgiReadTimeout = 16_000
        return scope
    }

    typealias TimerCase = (phase: Phase, blocked: Bool, kind: ConnectionPhase.TimeoutKind, milliseconds: Int)
    static let timerCases: [TimerCase] = [
        (.awaitingHead(idle: true), false, .keepalive, 75_000),
        (.awaitingHead(idle: false), false, .clientHeader, 11_000),
        (.readingBody, false, .clientBody, 12_000),
        (.connectingUpstream, false, .upstreamConnect, 14_000),
        (.sendingUpstream, false, .upstreamSend, 15_000),
        (.awaitingUpstreamHead, false, .upstreamReadHead, 16_000),
        (.relaying, false, .upstreamRead, 16_000),
        (.relaying, true, .send, 13_000),
        (.writing, true, .send, 13_000),
    ]

    @Test func eachPhaseRunsNginxsTimer() {
        for (phase, blocked, kind, milliseconds) in Self.timerCases {
            let timer = phase.timeout(Self.scope, writeBlocked: blocked)
            #expect(timer?.kind == kind && timer?.milliseconds == milliseconds, "\(phase)")
        }
    }

    @Test func noTimerWhileWritingFreelyOrWithKeepAliveOff() {
        #expect(Phase.writing.timeout(Self.scope, writeBlocked: false) == nil)
        var scope = Self.scope
        scope.keepaliveTimeout = 0
        #expect(Phase.awaitingHead(idle: true).timeout(scope, writeBlocked: false) == nil)
    }
}
