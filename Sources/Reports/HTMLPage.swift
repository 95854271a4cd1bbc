import Foundation

/// The page around a report's body: one inline style sheet, nothing fetched; shared by the run report and
/// `stackbench compare --format html`.
public enum HTMLPage {
    public static func render(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:24px auto;max-width:900px;color:#222;padding:0 12px}
        h1{font-size:24px;margin-bottom:4px}h2{font-size:19px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px;margin:18px 0 4px}
        .meta{color:#555;font-size:13px;margin:4px 0 10px}
        table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:left}
        td.num{text-align:right;font-variant-numeric:tabular-nums}tr.best td{font-weight:600;background:#f3f8ee}
        .bad{color:#b00020;font-weight:600}.good{color:#2e7d32;font-weight:600}.same{color:#777}
        svg{display:block;max-width:100%;height:auto}svg .grid{stroke:#e6e6e6}svg .axis{stroke:#888}
        svg .tick{font-size:11px;fill:#444}svg .title{font-size:12px;fill:#222}
        .legend{font-size:12px;display:flex;flex-wrap:wrap;gap:4px 16px;margin:2px 0 8px 78px}
        .legend i{display:inline-block;width:22px;margin-right:6px;vertical-align:middle}
        </style></head><body>
        \(body)
        </body></html>

        """
    }

    /// Text made safe inside HTML and SVG elements and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
