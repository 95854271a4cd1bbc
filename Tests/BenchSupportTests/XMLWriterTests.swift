import BenchSupport
import Testing

@Suite struct XMLWriterTests {
    @Test func textAndAttributesAreEscapedAndControlCharactersReplaced() {
        let root = XMLWriter.Element("case", ["name": "a<b & \"c\" 'd'\u{1}"], text: "x > y\n\u{0}", children: [])
        #expect(XMLWriter.document(root) == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<case name=\"a&lt;b &amp; &quot;c&quot; &#39;d&#39;\u{FFFD}\">x &gt; y\n\u{FFFD}</case>\n")
    }

    @Test func childrenAreIndentedAndEmptyElementsClosed() {
        let root = XMLWriter.Element("suites", ["tests": "2"], children: [
            XMLWriter.Element("case", ["name": "one"]),
            XMLWriter.Element("case", ["name": "two"], children: [XMLWriter.Element("skipped", ["message": "why"])]),
        ])
        #expect(XMLWriter.document(root) == """
            <?xml version="1.0" encoding="UTF-8"?>
            <suites tests="2">
              <case name="one"/>
              <case name="two">
                <skipped message="why"/>
              </case>
            </suites>

            """)
    }
}
