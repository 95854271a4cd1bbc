import MemberwiseMacros
import SwiftSyntaxMacroExpansion
import SwiftSyntaxMacrosGenericTestSupport
import Testing

/// `@PublicInit` expands to the initialiser Swift would synthesise, made public; what it cannot write it says at
/// the property.
@Suite struct PublicInitMacroTests {
    let macros: [String: MacroSpec] = ["PublicInit": MacroSpec(type: PublicInitMacro.self)]

    func expect(_ source: String, expands expanded: String, diagnostics: [DiagnosticSpec] = [], sourceLocation: SourceLocation = #_sourceLocation) {
        assertMacroExpansion(source, expandedSource: expanded, diagnostics: diagnostics, macroSpecs: macros) { failure in
            Issue.record(Comment(rawValue: failure.message), sourceLocation: sourceLocation)
        }
    }

    @Test func everyStoredPropertyInOrderWithTheDefaultsSwiftWouldGive() {
        let members = """
                public static let name = "plan"
                public var url: String
                public var method = "GET"
                public var weight: Double = 1
                public var body: [UInt8]?
                public let id: Int
                public let schema = "v1"
                public var log: @Sendable (String) -> Void
                public var onError: ((Error) -> Void)?
                public var low, high: Double
                public var tag = "x", size: Int
                private var state = 0
                private var pending: Int?
                public var count: Int { 1 }
                public var observed: Int { didSet { print(observed) } }
            """
        expect("@PublicInit\npublic struct Plan {\n\(members)\n}", expands: """
            public struct Plan {
            \(members)

                public init(url: String, method: String = "GET", weight: Double = 1, body: [UInt8]? = nil, id: Int, log: @escaping @Sendable (String) -> Void, onError: ((Error) -> Void)? = nil, low: Double, high: Double, tag: String = "x", size: Int, observed: Int) {
                    self.url = url
                    self.method = method
                    self.weight = weight
                    self.body = body
                    self.id = id
                    self.log = log
                    self.onError = onError
                    self.low = low
                    self.high = high
                    self.tag = tag
                    self.size = size
                    self.observed = observed
                }
            }
            """)
    }

    @Test func labelsCanBeLeftOutForAllOrTheFirst() {
        expect("""
            @PublicInit(.unlabeled)
            struct FlagError {
                let flag: String
                let problem: String
            }
            @PublicInit(.firstUnlabeled)
            struct Styled {
                var text: String
                var style: String?
            }
            """, expands: """
            struct FlagError {
                let flag: String
                let problem: String

                public init(_ flag: String, _ problem: String) {
                    self.flag = flag
                    self.problem = problem
                }
            }
            struct Styled {
                var text: String
                var style: String?

                public init(_ text: String, style: String? = nil) {
                    self.text = text
                    self.style = style
                }
            }
            """)
    }

    @Test func aTypeItCannotReadIsAnErrorAtTheProperty() {
        expect("""
            @PublicInit
            struct Options {
                var cache = Cache.default
            }
            """, expands: """
            struct Options {
                var cache = Cache.default
            }
            """, diagnostics: [DiagnosticSpec(message: "@PublicInit needs the type of `cache` written", line: 3, column: 9)])
    }

    @Test func anEnumHasNoMemberwiseInitialiser() {
        expect("""
            @PublicInit
            enum Kind {
                case a
            }
            """, expands: """
            enum Kind {
                case a
            }
            """, diagnostics: [DiagnosticSpec(message: "@PublicInit applies to a struct or a class", line: 1, column: 1)])
    }
}
