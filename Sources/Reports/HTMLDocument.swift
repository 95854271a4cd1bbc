import BenchSupport
import Foundation
import Mustache

/// The HTML stackbench writes (report.html, `compare --format html`) as data: a page of sections, each a heading,
/// captions and blocks (a sub-heading, a chart, a table, paragraphs, a list), rendered by the Mustache templates of
/// HTMLTemplate, which hold every tag and escape every text (`{{...}}`). Charts come from SVGChart as finished SVG
/// and go in unescaped (`{{{...}}}`); nothing else does. A name the templates look up is not reused at an outer
/// level (`pageHeading`, `rowStyle`, `cellStyle`): Mustache looks a missing or nil name up in the enclosing
/// contexts, so a cell without a class would otherwise take its row's.
public struct HTMLDocument: Sendable {
    public var title: String
    public var pageHeading: String
    /// Lines under the heading in small grey type, as a list when `metaList`.
    public var meta: [String] = []
    public var metaList = false
    public var sections: [Section] = []

    public init(title: String, heading: String, meta: [String] = [], metaList: Bool = false) {
        self.title = title
        self.pageHeading = heading
        self.meta = meta
        self.metaList = metaList
    }

    @PublicInit(.firstUnlabeled)
    public struct Section: Sendable {
        public var title: String
        /// A word after the title in its colour: "Gate: failed".
        public var mark: Styled? = nil
        public var anchor: String? = nil
        public var captions: [String] = []
        public var blocks: [Block] = []
    }

    /// Text with its class: `meta` (small grey), `bad`, `good`, `same`; nil for none.
    @PublicInit(.firstUnlabeled)
    public struct Styled: Sendable {
        public var text: String
        public var style: String?
    }

    /// One piece of a section: whichever of its parts is set.
    public struct Block: Sendable {
        var heading: String? = nil
        var svg: String? = nil
        var table: Table? = nil
        var folded: Folded? = nil
        var paragraphs: [Styled] = []
        var list: Items? = nil

        struct Folded: Sendable { var summary: String; var table: Table }
        struct Items: Sendable { var items: [Styled] }

        public static func heading(_ text: String) -> Block { Block(heading: text) }
        public static func chart(_ svg: String) -> Block { Block(svg: svg) }
        public static func table(_ table: Table) -> Block { Block(table: table) }
        /// A table folded under a summary line (`<details>`).
        public static func folded(_ summary: String, _ table: Table) -> Block { Block(folded: Folded(summary: summary, table: table)) }
        public static func paragraphs(_ lines: [String], style: String? = nil) -> Block { Block(paragraphs: lines.map { Styled($0, style: style) }) }
        public static func paragraphs(_ lines: [Styled]) -> Block { Block(paragraphs: lines) }
        public static func list(_ items: [String], style: String? = nil) -> Block { Block(list: Items(items: items.map { Styled($0, style: style) })) }
        public static func list(_ items: [Styled]) -> Block { Block(list: Items(items: items)) }
    }

    @PublicInit
    public struct Table: Sendable {
        public var headers: [String]
        public var rows: [Row]
    }

    public struct Row: Sendable {
        public var cells: [Cell]
        /// `best` for the best configuration's row.
        public var rowStyle: String?

        public init(_ cells: [Cell], style: String? = nil) {
            self.cells = cells
            self.rowStyle = style
        }
    }

    public struct Cell: Sendable {
        public var text: String
        /// Space-separated classes: `num` (right-aligned figures), `good`, `bad`, `same`.
        public var cellStyle: String?
        public var strong: Bool
        public var code: Bool

        public init(_ text: String, style: String? = nil, strong: Bool = false, code: Bool = false) {
            self.text = text
            self.cellStyle = style
            self.strong = strong
            self.code = code
        }

        /// A figure: right-aligned, in `style` too when given.
        public static func number(_ text: String, _ style: String? = nil, strong: Bool = false) -> Cell {
            Cell(text, style: ["num", style].compactMap { $0 }.joined(separator: " "), strong: strong)
        }
    }

    /// The page.
    public var html: String { Self.library.render(self, withTemplate: "page") ?? "" }

    private static let library: MustacheLibrary = {
        // A template that does not parse is a defect of HTMLTemplate, found by any test that renders a page.
        do {
            return MustacheLibrary(templates: ["page": try MustacheTemplate(string: HTMLTemplate.page),
                                               "table": try MustacheTemplate(string: HTMLTemplate.table)])
        } catch {
            preconditionFailure("HTMLTemplate: \(error)")
        }
    }()
}
