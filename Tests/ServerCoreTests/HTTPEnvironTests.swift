@testable import ServerCore
import Testing
import WSGI

@Suite struct HTTPEnvironTests {
    static let head = HTTPRequestHead(
        method: "POST", target: "/caf%C3%A9/x?q=1", version: "HTTP/1.1",
        headers: [("Host", "localhost:8000"), ("X-Dup", "a"), ("x-dup", "b"), ("X_Under", "spoof"),
                  ("Content-Length", "3")])
    static let identity = HTTPEnviron.ServerIdentity(name: "localhost", port: "8000", software: "WSGIServer/0.2")

    @Test func runserverStyleMatchesWsgiref() {
        let environ = HTTPEnviron.make(Self.head, peer: PeerAddress(host: "127.0.0.1", port: 5555), server: Self.identity,
                                       style: .runserver, multithread: true, multiprocess: false)
        #expect(environ["PATH_INFO"] == "/café/x")
        #expect(environ["QUERY_STRING"] == "q=1")
        #expect(environ["SCRIPT_NAME"] == "")
        #expect(environ["CONTENT_TYPE"] == "text/plain", "wsgiref's default")
        #expect(environ["CONTENT_LENGTH"] == "3")
        #expect(environ["HTTP_X_DUP"] == "a,b")
        #expect(environ["HTTP_X_UNDER"] == nil, "names with _ are dropped")
        #expect(environ["HTTP_CONTENT_LENGTH"] == nil)
        #expect(environ["GATEWAY_INTERFACE"] == "CGI/1.1")
        #expect(environ["SERVER_SOFTWARE"] == "WSGIServer/0.2")
        #expect(environ["REMOTE_ADDR"] == "127.0.0.1")
        #expect(environ["wsgi.multithread"] == "True")
    }

    @Test func uwsgiHTTPSocketStyleDiffers() {
        let environ = HTTPEnviron.make(Self.head, peer: PeerAddress(host: "::1", port: 5555), server: Self.identity,
                                       style: .uwsgiHTTPSocket, multithread: false, multiprocess: true)
        #expect(environ["CONTENT_TYPE"] == nil)
        #expect(environ["REQUEST_URI"] == "/caf%C3%A9/x?q=1")
        #expect(environ["HTTP_X_DUP"] == "a, b")
        #expect(environ["HTTP_X_UNDER"] == "spoof")
        #expect(environ["REMOTE_PORT"] == "5555")
        #expect(environ["wsgi.multiprocess"] == "True")
    }

    @Test func theAbsoluteFormYieldsItsPath() {
        let head = HTTPRequestHead(method: "GET", target: "http://example.com/a/b?x", version: "HTTP/1.1", headers: [])
        #expect(HTTPEnviron.pathPart(of: head) == "/a/b")
    }
}
