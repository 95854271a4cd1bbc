import Foundation

/// HTTP dates (RFC 9110 IMF-fixdate), written for Date/Last-Modified and read from If-Modified-Since in all three
/// forms HTTP allows, as Python's `email.utils.parsedate` and nginx's `ngx_parse_http_time` read them.
public enum HTTPDate {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Wed, 25 Nov 2026 01:10:51 GMT` for `seconds` since the epoch.
    public static func format(_ seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekdays[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) "
            + "\(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }

    /// The current time, formatted.
    public static func now() -> String { format(Int(time(nil))) }

    /// Seconds since the epoch for an HTTP date in IMF-fixdate, RFC 850 or asctime form; nil when unreadable.
    public static func parse(_ text: String) -> Int? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" }).map(String.init)
        // IMF: Sun 06 Nov 1994 08:49:37 GMT; RFC 850: Sunday 06 Nov 94 08:49:37 GMT; asctime: Sun Nov 6 08:49:37 1994
        let day: String, month: String, year: String, clock: String
        if words.count == 6 && words[5] == "GMT" {
            (day, month, year, clock) = (words[1], words[2], words[3], words[4])
        } else if words.count == 5 && words[3].contains(":") {
            (day, month, year, clock) = (words[2], words[1], words[4], words[3])
        } else {
            return nil
        }
        // The year has four digits (two in RFC 850 form), the day one or two, each clock part two: nothing longer
        // reaches the arithmetic, as nginx's ngx_parse_http_time and Django's parse_http_date read them.
        guard let monthIndex = months.firstIndex(of: month), let dayNumber = digits(day, count: 1...2),
              var yearNumber = digits(year, count: year.count == 2 ? 2...2 : 4...4)
        else { return nil }
        if year.count == 2 { yearNumber += yearNumber < 70 ? 2000 : 1900 }
        let clockParts = clock.split(separator: ":", omittingEmptySubsequences: false).compactMap { digits(String($0), count: 2...2) }
        guard clockParts.count == 3, (1...daysIn(month: monthIndex, year: yearNumber)).contains(dayNumber),
              (0...23).contains(clockParts[0]), (0...59).contains(clockParts[1]), (0...60).contains(clockParts[2])
        else { return nil }
        var parts = tm()
        parts.tm_year = Int32(yearNumber - 1900)
        parts.tm_mon = Int32(monthIndex)
        parts.tm_mday = Int32(dayNumber)
        parts.tm_hour = Int32(clockParts[0])
        parts.tm_min = Int32(clockParts[1])
        parts.tm_sec = Int32(clockParts[2])
        return Int(timegm(&parts))
    }

    /// The decimal value of `text` when it is `count` ASCII digits and nothing else (no sign, no blank).
    private static func digits(_ text: String, count: ClosedRange<Int>) -> Int? {
        let utf8 = text.utf8
        guard count.contains(utf8.count), utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return utf8.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    /// Days in month `month` (0 = January) of `year`, February by the Gregorian leap rule.
    private static func daysIn(month: Int, year: Int) -> Int {
        guard month == 1 else { return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month] }
        return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
    }
}
