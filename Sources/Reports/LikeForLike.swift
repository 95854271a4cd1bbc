import Foundation
import Results

/// Which two targets an Answers ratio divides: of the targets of the two kinds, a pair that sends the same URLs
/// (a CSS file through the front over the same CSS file from the dev server), else the first of each kind with the
/// sentence saying what each sends, so a ratio of a static file over a Django page never reads as like for like.
extension RunAnalysis {
    struct TargetPair {
        var upper: String
        var lower: String
        /// Both send the same URLs (path and query; host and port differ between stacks).
        var alike: Bool
        /// What each sends, for a sentence: `proxied-static sends /static/app.css; dev-server sends /admin/login/`;
        /// empty when the results did not record the URLs.
        var difference: String
    }

    func pair(_ upper: TargetKind, over lower: TargetKind) -> TargetPair? {
        let names = targetNames
        let kinds = Dictionary(okCells.flatMap(targets(in:)).map { ($0.name, $0.kind) }, uniquingKeysWith: { first, _ in first })
        let uppers = names.filter { kinds[$0] == upper }
        let lowers = names.filter { kinds[$0] == lower }
        guard let firstUpper = uppers.first, let firstLower = lowers.first else { return nil }
        let paths = Dictionary(uniqueKeysWithValues: (uppers + lowers).map { ($0, requestPaths(of: $0)) })
        // Results that recorded no URLs (written by hand, or by an old version): nothing to say either way.
        guard paths[firstUpper]?.isEmpty == false, paths[firstLower]?.isEmpty == false else {
            return TargetPair(upper: firstUpper, lower: firstLower, alike: false, difference: "")
        }
        for a in uppers {
            for b in lowers where paths[a]?.isEmpty == false && paths[a] == paths[b] {
                return TargetPair(upper: a, lower: b, alike: true, difference: "")
            }
        }
        func sends(_ name: String) -> String { "\(name) sends \((paths[name] ?? []).joined(separator: " "))" }
        return TargetPair(upper: firstUpper, lower: firstLower, alike: false,
                          difference: "\(sends(firstUpper)); \(sends(firstLower))")
    }

    /// The paths (with queries) a target sends, sorted, as its first measured window recorded them.
    func requestPaths(of name: String) -> [String] {
        let target = okCells.lazy.flatMap(targets(in:)).first { $0.name == name && !$0.repetitions.isEmpty }
        var urls = (target?.repetitions.first?.load.config.requests.map(\.url) ?? []).filter { !$0.isEmpty }
        if urls.isEmpty, let url = target?.url, !url.isEmpty { urls = [url] }
        return Array(Set(urls.map(RequestURL.pathAndQuery))).sorted()
    }

    /// "A dev-server target; sends /admin/login/ /notes/" — what a report says above a target's table.
    func sendsLine(of name: String) -> String {
        let kind = okCells.lazy.flatMap(targets(in:)).first { $0.name == name }?.kind.rawValue ?? "?"
        return "A \(kind) target; sends " + requestPaths(of: name).joined(separator: " ")
    }

    /// The legend of the mark beside a flagged configuration's req/s, in both reports.
    static let flaggedLegend = "⚠: a window of this configuration is flagged, or its repetitions are too noisy: see Windows not to trust; compare leaves flagged windows out."
}
