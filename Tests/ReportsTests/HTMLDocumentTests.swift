import Reports
import Testing

/// The page as the templates render it: every text escaped once, the charts' SVG as given, a cell's class its own
/// (never its row's), empty parts leaving no empty tags.
@Suite struct HTMLDocumentTests {
    typealias Document = HTMLDocument

    @Test func textIsEscapedAndChartsGoInAsTheyAre() {
        var page = Document(title: "a <b> & 'c'", heading: "<script>alert(1)</script>", meta: ["x \"y\""])
        page.sections = [Document.Section("t<1>", mark: Document.Styled("failed", style: "bad"), anchor: "t0", captions: ["c&d"],
                                          blocks: [.heading("h>"), .chart("<svg><rect/></svg>"), .list(["<li>"]), .paragraphs(["p&"], style: "meta")])]
        let html = page.html
        #expect(html.contains("<title>a &lt;b&gt; &amp; &#39;c&#39;</title>") && html.contains("<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>"), "\(html)")
        #expect(html.contains("<p class=\"meta\">x &quot;y&quot;<br></p>"))
        #expect(html.contains("<h2 id=\"t0\">t&lt;1&gt; <span class=\"bad\">failed</span></h2>") && html.contains("<p class=\"meta\">c&amp;d</p>"), "\(html)")
        #expect(html.contains("<h3>h&gt;</h3>") && html.contains("<svg><rect/></svg>") && html.contains("<ul><li>&lt;li&gt;</li></ul>")
                && html.contains("<p class=\"meta\">p&amp;</p>"), "\(html)")
        #expect(!html.contains("<script>") && !html.contains("<table>"))
        // A block without a heading does not take the page's.
        #expect(html.components(separatedBy: "<h3>").count == 2, "\(html)")
    }

    @Test func tablesKeepEachCellsOwnClass() {
        var page = Document(title: "t", heading: "t")
        let table = Document.Table(headers: ["settings", "req/s"], rows: [
            Document.Row([Document.Cell("workers=2 (best)"), .number("1.2k", strong: true)], style: "best"),
            Document.Row([Document.Cell("`x`", code: true), .number("-", "bad")]),
        ])
        page.sections = [Document.Section("s", blocks: [.table(table), .folded("every row", table)])]
        let html = page.html
        #expect(html.contains("<tr class=\"best\"><td>workers=2 (best)</td><td class=\"num\"><strong>1.2k</strong></td></tr>"), "\(html)")
        #expect(html.contains("<tr><td><code>`x`</code></td><td class=\"num bad\">-</td></tr>"), "\(html)")
        #expect(html.contains("<details><summary>every row</summary><table>"), "\(html)")
    }
}
