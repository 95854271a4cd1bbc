import Foundation

/// The process's open-file limit (RLIMIT_NOFILE): a load opens one socket per connection.
public enum FileDescriptorLimit {
    /// Raises the soft limit to the hard one (as wrk users do with `ulimit -n`) and returns the new soft limit.
    @discardableResult
    public static func raiseToHard() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }
}
