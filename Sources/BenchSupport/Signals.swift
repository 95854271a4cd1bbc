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
}
