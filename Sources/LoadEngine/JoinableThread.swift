import Foundation

/// A POSIX thread that runs one closure and can be joined (Foundation's Thread cannot).
public final class JoinableThread {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    private var handle = pthread_t()

    /// Starts a thread running `body`.
    public init(_ body: @escaping () -> Void) {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        let status = pthread_create(&handle, nil, { context in
            Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context)
        precondition(status == 0, "pthread_create failed: \(status)")
    }

    /// Waits for the thread to end.
    public func join() {
        pthread_join(handle, nil)
    }
}
