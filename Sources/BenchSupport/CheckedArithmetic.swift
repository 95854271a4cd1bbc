/// The arithmetic of every size, time and count a config reader accepts (nginx's `1g`, `7d`; uWSGI's `%(a * 2)`),
/// in one place: nil where the result does not fit an Int, where a plain `*` or `+` would trap and kill the
/// process (a reload of a running front, every respawned worker of a pool) instead of refusing the file.
public enum CheckedArithmetic {
    public static func sum(_ a: Int, _ b: Int) -> Int? { checked(a.addingReportingOverflow(b)) }
    public static func difference(_ a: Int, _ b: Int) -> Int? { checked(a.subtractingReportingOverflow(b)) }
    public static func product(_ a: Int, _ b: Int) -> Int? { checked(a.multipliedReportingOverflow(by: b)) }

    /// Nil for a division by zero too, and for Int.min / -1.
    public static func quotient(_ a: Int, _ b: Int) -> Int? { b == 0 ? nil : checked(a.dividedReportingOverflow(by: b)) }

    private static func checked(_ result: (partialValue: Int, overflow: Bool)) -> Int? {
        result.overflow ? nil : result.partialValue
    }
}
