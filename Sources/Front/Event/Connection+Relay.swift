import CLinux
import Foundation
import StackConfig

/// The upstream's body relayed to the client, framed by the front (cut at its length, chunked, or until the upstream
/// closes), with backpressure, and the exchange's end.
extension Connection {
    /// After the head: what came with it is relayed, then the rest as it arrives.
    func relayAfterHead(_ exchange: UpstreamExchange) {
        relayBuffered(exchange)
        relayToClient()
    }

    /// Moves what `received` holds into `output`, framed, within the declared length.
    func relayBuffered(_ exchange: UpstreamExchange) {
        guard !exchange.received.isEmpty else { return }
        defer { exchange.received.removeAll() }
        if exchange.dropBody {
            if let remaining = exchange.remaining { exchange.remaining = max(0, remaining - exchange.received.count) }
            return
        }
        var piece = exchange.received.bytes
        if let remaining = exchange.remaining {
            if piece.count > remaining {  // past the upstream's Content-Length: never relayed
                context.errorLog(for: scope).write(.warn, connection: number, "upstream sent more data than specified in \"Content-Length\" header while reading upstream" + logContext())
                piece = UnsafeRawBufferPointer(rebasing: piece[0..<remaining])
                exchange.finished = true
            }
            exchange.remaining = remaining - piece.count
        }
        if exchange.encodeChunks {
            output.append(hex: piece.count)
            output.append("\r\n")
            output.append(piece)
            output.append("\r\n")
        } else {
            output.append(piece)
        }
        request.bodyBytesSent += piece.count
    }

    /// Relays while both sides allow: the client takes what was read, the upstream has more.
    func relayToClient() {
        guard let exchange = upstream, phase == .relaying else { return }
        while true {
            guard flush() else { return }  // the client is full: the upstream waits (EPOLLOUT resumes)
            if exchange.remaining == 0 { exchange.finished = true }
            if exchange.finished { finishProxy(exchange, complete: true); return }
            guard exchange.mayRead else { return }
            guard let count = exchange.read(limit: Self.relayPiece) else { return }
            if count == 0 {
                exchange.finished = true
                if let remaining = exchange.remaining, remaining > 0 {
                    guard flush() else { request.keepAlive = false; return }
                    finishProxy(exchange, complete: false)
                    return
                }
                continue
            }
            setTimer()
            relayBuffered(exchange)
        }
    }

    /// The exchange is over: the upstream socket closes; an incomplete body closes the client too.
    func finishProxy(_ exchange: UpstreamExchange, complete: Bool) {
        if complete { exchange.answered(at: loop.clock.milliseconds) }
        exchange.close(loop)
        if !complete {
            upstreamFailed(.closedEarly)
            return
        }
        if exchange.encodeChunks {
            output.append("0\r\n\r\n")
            guard flush() else { move(.upstreamBodyRead); return }
        }
        finishRequest()
        upstream = nil
        drive()
    }
}
