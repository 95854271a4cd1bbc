import Foundation

/// Signal plumbing every long-running command needs.
public enum Signals {
    /// Unblocks `signals` on the calling thread (threads started afterwards inherit it). A parent may hand
    /// signals over blocked (a test runner, a supervisor): Ctrl-C and `kill` must still work.
    public static func unblock(_ signals: [Int32]) {
        var mask = sigset_t()
        sigemptyset(&mask)
        for number in signals { sigaddset(&mask, number) }
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
    }

    /// Blocks `signals` on the calling thread, so that threads started afterwards inherit the mask and the signals
    /// wait for `wait(for:)` instead of interrupting anyone. Returns the set to wait on.
    public static func block(_ signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for number in signals { sigaddset(&set, number) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        return set
    }

    /// Waits until one of the blocked `set` arrives; returns its number.
    public static func wait(for set: sigset_t) -> Int32 {
        var set = set
        var received: Int32 = 0
        while sigwait(&set, &received) != 0 {}
        return received
    }
}
