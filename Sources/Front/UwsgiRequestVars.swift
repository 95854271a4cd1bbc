import NIOCore
import NIOHTTP1
import StackConfig
import UwsgiProtocol

/// The uwsgi packet nginx sends for a request: the location's `uwsgi_param`s with their variables filled in
/// (`if_not_empty` ones left out when empty), then every request header as `HTTP_NAME` unless a param already
/// set that name (nginx's rule; header names with `_` are dropped, as ignore_invalid_headers does).
enum UwsgiRequestVars {
    static func packet(for head: HTTPRequestHead, record: RequestRecord, route: FrontRoutes.Route,
                       allocator: ByteBufferAllocator) -> ByteBuffer? {
        let scope = route.scope
        var pairs: [(name: String, value: String)] = []
        pairs.reserveCapacity(scope.uwsgiParams.count + head.headers.count)
        var named = Set<String>()
        for param in scope.uwsgiParams {
            var value = ""
            for part in param.value.parts {
                switch part {
                case .literal(let text): value += text
                case .variable(let name): value += variable(name, head: head, record: record, route: route) ?? ""
                }
            }
            if param.ifNotEmpty, value.isEmpty { continue }
            pairs.append((param.name, value))
            named.insert(param.name)
        }
        if scope.uwsgiPassRequestHeaders {
            for header in head.headers where !header.name.contains("_") {
                let name = "HTTP_" + header.name.uppercased().replacingOccurrences(of: "-", with: "_")
                if !named.contains(name) { pairs.append((name, header.value)) }
            }
        }
        guard pairs.reduce(0, { $0 + 4 + $1.name.utf8.count + $1.value.utf8.count }) <= 65535 else { return nil }
        let bytes = UwsgiPacket.encode(pairs, modifier1: scope.uwsgiModifier1, modifier2: scope.uwsgiModifier2)
        var buffer = allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return buffer
    }

    static func variable(_ name: String, head: HTTPRequestHead, record: RequestRecord, route: FrontRoutes.Route) -> String? {
        switch name {
        case "content_type": return head.headers.first(name: "content-type")
        case "content_length": return head.headers.first(name: "content-length")
        case "document_root": return route.scope.alias ?? route.scope.root
        case "server_protocol": return "HTTP/\(head.version.major).\(head.version.minor)"
        case "https": return ""
        case "is_args": return record.args == nil ? "" : "?"
        default: return record.value(name)
        }
    }
}
