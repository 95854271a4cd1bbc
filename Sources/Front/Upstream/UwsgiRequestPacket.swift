/// The uwsgi packet nginx sends for a request (shared/spec/uwsgi-protocol.md §4): the location's `uwsgi_param`s
/// with their variables filled in (`if_not_empty` ones left out when empty), then every request header as
/// `HTTP_NAME` unless a param already set that name (nginx's rule; header names with `_` are dropped, as
/// underscores_in_headers off does). Written straight into the connection's upstream buffer.
enum UwsgiRequestPacket {
    /// Appends the packet to `out`; false when its vars exceed the protocol's 65535 bytes (nginx: 500, "uwsgi
    /// request is too big").
    static func write(_ facts: RequestFacts, route: FrontRoutes.Route, clock: LogClock, into out: inout ByteArray) -> Bool {
        let start = out.count
        out.append([route.scope.uwsgiModifier1, 0, 0, route.scope.uwsgiModifier2])
        for param in route.uwsgiParams {
            let mark = out.count
            appendLength(0, &out)
            param.name.withUnsafeBytes { out.append($0) }
            let valueMark = out.count
            appendLength(0, &out)
            param.value.write(facts, clock: clock, into: &out, newline: false)
            let valueLength = out.count - valueMark - 2
            if param.ifNotEmpty, valueLength == 0 { out.count = mark; continue }
            patchLength(param.name.count, at: mark, &out)
            patchLength(valueLength, at: valueMark, &out)
        }
        if route.scope.uwsgiPassRequestHeaders {
            for header in facts.head.headers {
                let name = UnsafeRawBufferPointer(rebasing: facts.input[header.name])
                guard !name.contains(UInt8(ascii: "_")) else { continue }
                let mark = out.count
                appendLength(name.count + 5, &out)
                out.append("HTTP_")
                for byte in name { out.append(byte == 0x2D ? 0x5F : (byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte)) }
                if route.uwsgiParamNames.contains(where: { $0.count == name.count + 5 && $0.withUnsafeBytes { $0.elementsEqual(UnsafeRawBufferPointer(start: out.base + mark + 2, count: name.count + 5)) } }) {
                    out.count = mark
                    continue
                }
                let value = UnsafeRawBufferPointer(rebasing: facts.input[header.value])
                appendLength(value.count, &out)
                out.append(value)
            }
        }
        let size = out.count - start - 4
        guard size <= 65535 else { out.count = start; return false }
        patchLength(size, at: start + 1, &out)
        return true
    }

    private static func appendLength(_ value: Int, _ out: inout ByteArray) {
        out.append(UInt8(truncatingIfNeeded: value))
        out.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    private static func patchLength(_ value: Int, at offset: Int, _ out: inout ByteArray) {
        out.base[offset] = UInt8(truncatingIfNeeded: value)
        out.base[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
    }
}
