import CLinux
import Foundation

/// What epoll has registered for each socket, and what libcurl wants of it now, indexed by fd.
///
/// libcurl says CURL_POLL_REMOVE whenever a transfer ends and its connection goes idle in the cache, and asks
/// for the socket again with the next request on it: mirrored literally, every request costs an epoll DEL and an
/// ADD (the kernel allocates an epitem each time; 11% of the client's CPU at 64 connections). The registry keeps
/// idle sockets registered instead, skips calls that change nothing, and deregisters lazily: only when an
/// unwanted socket fires (the server closed an idle connection) or libcurl closes it.
struct EpollRegistry {
    private static let registeredFlag: UInt32 = 1 << 31
    let epoll: Int32
    private var registered: UnsafeMutablePointer<UInt32>
    private var wanted: UnsafeMutablePointer<UInt32>
    private var capacity = 0

    init(epoll: Int32) {
        self.epoll = epoll
        registered = .allocate(capacity: 0)
        wanted = .allocate(capacity: 0)
    }

    /// Frees the tables (the epoll fd belongs to the caller).
    func deallocate() {
        registered.deallocate()
        wanted.deallocate()
    }

    /// libcurl wants `interest` (EPOLLIN/EPOLLOUT bits; 0 for CURL_POLL_REMOVE) on `fd`.
    @inline(__always)
    mutating func want(_ fd: Int32, _ interest: UInt32) {
        let index = Int(fd)
        if index >= capacity { grow(to: index + 1) }
        wanted[index] = interest
        guard interest != 0, registered[index] != interest | Self.registeredFlag else { return }
        if registered[index] & Self.registeredFlag != 0 {
            if sb_epoll_set(epoll, EPOLL_CTL_MOD, fd, interest) != 0 && errno == ENOENT {
                sb_epoll_set(epoll, EPOLL_CTL_ADD, fd, interest)
            }
        } else if sb_epoll_set(epoll, EPOLL_CTL_ADD, fd, interest) != 0 && errno == EEXIST {
            sb_epoll_set(epoll, EPOLL_CTL_MOD, fd, interest)
        }
        registered[index] = interest | Self.registeredFlag
    }

    /// Whether libcurl wants events of `fd`; an unwanted one that fired is deregistered here.
    @inline(__always)
    mutating func claim(_ fd: Int32) -> Bool {
        let index = Int(fd)
        if index < capacity && wanted[index] != 0 { return true }
        sb_epoll_set(epoll, EPOLL_CTL_DEL, fd, 0)
        if index < capacity { registered[index] = 0 }
        return false
    }

    /// libcurl is closing `fd`: the kernel drops its registration with it, and the number may come back.
    @inline(__always)
    mutating func forget(_ fd: Int32) {
        let index = Int(fd)
        guard index < capacity else { return }
        registered[index] = 0
        wanted[index] = 0
    }

    private mutating func grow(to minimum: Int) {
        let newCapacity = max(minimum, capacity * 2, 1024)
        for table in [\EpollRegistry.registered, \EpollRegistry.wanted] {
            let bigger = UnsafeMutablePointer<UInt32>.allocate(capacity: newCapacity)
            bigger.initialize(repeating: 0, count: newCapacity)
            bigger.update(from: self[keyPath: table], count: capacity)
            self[keyPath: table].deallocate()
            self[keyPath: table] = bigger
        }
        capacity = newCapacity
    }
}
