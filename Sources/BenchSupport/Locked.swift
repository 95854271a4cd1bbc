import Foundation

/// A value handed between threads under a lock (a reading taken on one thread, read on another).
public final class Locked<Value>: @unchecked Sendable {  // the value is reached only under the lock
    private let lock = NSLock()
    private var stored: Value

    /// Creates the box holding `value`.
    public init(_ value: Value) { stored = value }

    /// The value now.
    public var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

extension Locked {
    /// Runs `body` on the value under the lock (for read-modify-write).
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try lock.withLock { try body(&stored) }
    }
}
