/// XML as stackbench writes it (JUnit): a small tree of elements and its serialization, the one place where text
/// and attribute values are escaped. Characters XML 1.0 cannot carry at all (control characters other than tab,
/// line feed and carriage return) are written as U+FFFD, so a test name with a stray byte still parses.
public enum XMLWriter {
    public struct Element: Sendable, Equatable {
        public var name: String
        public var attributes: [Attribute]
        public var text: String?
        public var children: [Element]

        public struct Attribute: Sendable, Equatable {
            public var name: String
            public var value: String
        }

        /// `attributes` in the order given (JUnit readers do not care, people reading the file do).
        public init(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], text: String? = nil, children: [Element] = []) {
            self.name = name
            self.attributes = attributes.map { Attribute(name: $0.key, value: $0.value) }
            self.text = text
            self.children = children
        }

        fileprivate func write(into out: inout String, depth: Int) {
            let indent = String(repeating: "  ", count: depth)
            out += indent + "<" + name
            for attribute in attributes { out += " \(attribute.name)=\"\(escape(attribute.value))\"" }
            guard text != nil || !children.isEmpty else { out += "/>\n"; return }
            out += ">" + escape(text ?? "")
            if !children.isEmpty {
                out += "\n"
                for child in children { child.write(into: &out, depth: depth + 1) }
                out += indent
            }
            out += "</\(name)>\n"
        }
    }

    /// The document: the XML declaration, then `root` indented two spaces a level.
    public static func document(_ root: Element) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        root.write(into: &out, depth: 0)
        return out
    }

    /// `text` safe inside an element or a double-quoted attribute value.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

private func escape(_ text: String) -> String { XMLWriter.escape(text) }
