extension StringProtocol {
    /// Whether the two texts are equal ignoring ASCII case, as HTTP compares header names; no allocation.
    public func equalsIgnoringASCIICase<Other: StringProtocol>(_ other: Other) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        for (left, right) in zip(utf8, other.utf8) where left != right {
            guard left | 0x20 == right | 0x20, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(left | 0x20) else {
                return false
            }
        }
        return true
    }
}
