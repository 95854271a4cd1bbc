import BenchSupport
import WSGI

/// What the master did with the app before starting workers.
@PublicInit
public struct AppInMaster {
    /// Set when workers are forked from the master, which holds the loaded app (uWSGI without lazy-apps; the
    /// pages of the imported code are shared copy-on-write); nil when workers are exec'd copies of this binary that
    /// load the app themselves (the apps compiled in, `lazy-apps`).
    public var forked: ForkedWorkers?
    /// Whether the master logs uWSGI's "WSGI app 0 ... ready" (not after a failed import, nor with lazy-apps).
    public var ready: Bool
}

/// Workers forked from the master: the app each serves, and the hooks that keep the app's runtime whole across
/// fork(2) (CPython's `PyOS_BeforeFork` and after).
@PublicInit
public struct ForkedWorkers {
    public let app: Application
    public let prepareFork: () -> Void
    public let finishFork: (_ inChild: Bool) -> Void
}
