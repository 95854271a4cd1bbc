import CLinux
import Foundation
import StackConfig

/// nginx's `open_file_cache` for one location in one event loop (each loop has its own, as each nginx worker
/// does, so no locks): open descriptors with their stat, and with `open_file_cache_errors on` failed lookups too,
/// kept for `open_file_cache_valid` and dropped after `inactive` without use; at most `max` entries, the least
/// recently used dropped first. A descriptor is kept only once its path was asked for `open_file_cache_min_uses`
/// times within `inactive`. A file changed on disk within `valid` is answered from the cache, as in nginx (a
/// deleted file is still served from its open descriptor).
///
/// A lookup allocates nothing on a hit: entries are found by a hash of the path's bytes. An entry handed out stays
/// alive while a connection still sends from it (the connection holds a reference); its descriptor is closed when
/// the last reference goes, so dropping an entry never cuts a transfer.
final class OpenFileCache: @unchecked Sendable {  // each instance is used by one loop's thread only
    /// What a lookup found: a descriptor (owned by `entry` when there is one, else by the caller) and its stat,
    /// or the errno of a failed open.
    enum Lookup {
        case opened(descriptor: CInt, status: stat, entry: Entry?)
        case failed(Int32)
    }

    final class Entry {
        let path: [UInt8]
        let hash: Int
        /// -1 while min_uses is not reached, or for a cached error.
        fileprivate(set) var descriptor: CInt = -1
        fileprivate(set) var status = stat()
        fileprivate(set) var error: Int32 = 0
        fileprivate var uses = 0
        fileprivate var lastUse = 0
        fileprivate var checkedAt = 0
        /// The next entry of the same hash, and the neighbours in use order (newest first).
        fileprivate var sameHash: Entry?
        fileprivate var newer: Entry?
        fileprivate var older: Entry?

        fileprivate init(path: UnsafeRawBufferPointer, hash: Int) {
            self.path = Array(path)
            self.hash = hash
        }

        deinit { if descriptor >= 0 { close(descriptor) } }
    }

    private let settings: NginxOpenFileCache
    private let valid: Int
    private let minUses: Int
    private let cachesErrors: Bool
    private var byHash: [Int: Entry] = [:]
    private var newest: Entry?
    private var oldest: Entry?
    private(set) var count = 0

    init(_ settings: NginxOpenFileCache, scope: NginxScope) {
        self.settings = settings
        valid = scope.openFileCacheValid
        minUses = max(scope.openFileCacheMinUses, 1)
        cachesErrors = scope.openFileCacheErrors
        byHash.reserveCapacity(min(settings.max, 4096))
    }

    deinit {
        while let entry = oldest { remove(entry) }  // breaks the links so that each entry is freed
    }

    /// `relative` looked up through the cache, by `open` (open and stat beneath the location's directory) on a
    /// miss; `now` in monotonic milliseconds.
    func lookup(_ relative: UnsafeRawBufferPointer, now: Int, open: (UnsafeRawBufferPointer) -> Lookup) -> Lookup {
        expire(now: now)
        let hash = Self.hash(relative)
        var entry = find(relative, hash: hash)
        if let found = entry, now - found.checkedAt >= valid {  // stale: looked up afresh
            remove(found)
            entry = nil
        }
        if let entry {
            entry.uses += 1
            entry.lastUse = now
            touch(entry)
            if entry.error != 0 { return .failed(entry.error) }
            if entry.descriptor >= 0 { return .opened(descriptor: entry.descriptor, status: entry.status, entry: entry) }
        }
        let fresh = open(relative)
        switch fresh {
        case .failed(let code):
            // Without open_file_cache_errors a miss is not kept (nor does it push another entry out).
            guard cachesErrors else { return fresh }
            (entry ?? insert(relative, hash: hash, now: now)).error = code
            return fresh
        case .opened(let descriptor, let status, _):
            let record = entry ?? insert(relative, hash: hash, now: now)
            guard record.uses >= minUses else { return fresh }
            record.descriptor = descriptor
            record.status = status
            return .opened(descriptor: descriptor, status: status, entry: record)
        }
    }

    // MARK: the table

    private func find(_ path: UnsafeRawBufferPointer, hash: Int) -> Entry? {
        var candidate = byHash[hash]
        while let entry = candidate {
            if entry.path.count == path.count, entry.path.withUnsafeBytes({ $0.elementsEqual(path) }) { return entry }
            candidate = entry.sameHash
        }
        return nil
    }

    private func insert(_ path: UnsafeRawBufferPointer, hash: Int, now: Int) -> Entry {
        if count >= settings.max, let last = oldest { remove(last) }
        let entry = Entry(path: path, hash: hash)
        entry.checkedAt = now
        entry.uses = 1
        entry.lastUse = now
        entry.sameHash = byHash[hash]
        byHash[hash] = entry
        link(entry)
        count += 1
        return entry
    }

    private func remove(_ entry: Entry) {
        if byHash[entry.hash] === entry {
            byHash[entry.hash] = entry.sameHash
        } else {
            var previous = byHash[entry.hash]
            while let candidate = previous, candidate.sameHash !== entry { previous = candidate.sameHash }
            previous?.sameHash = entry.sameHash
        }
        if byHash[entry.hash] == nil { byHash.removeValue(forKey: entry.hash) }
        entry.sameHash = nil
        unlink(entry)
        count -= 1
    }

    /// nginx's expiry on each lookup: up to two of the least recently used entries, if unused for `inactive`.
    private func expire(now: Int) {
        for _ in 0..<2 {
            guard let last = oldest, now - last.lastUse >= settings.inactive else { return }
            remove(last)
        }
    }

    private func touch(_ entry: Entry) {
        guard newest !== entry else { return }
        unlink(entry)
        link(entry)
    }

    private func link(_ entry: Entry) {
        entry.older = newest
        newest?.newer = entry
        newest = entry
        if oldest == nil { oldest = entry }
    }

    private func unlink(_ entry: Entry) {
        entry.newer?.older = entry.older
        entry.older?.newer = entry.newer
        if newest === entry { newest = entry.older }
        if oldest === entry { oldest = entry.newer }
        entry.newer = nil
        entry.older = nil
    }

    /// FNV-1a over the path's bytes.
    private static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { value = (value ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: value)
    }
}
