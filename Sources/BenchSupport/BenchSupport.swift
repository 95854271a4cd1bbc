/// BenchSupport: the small, dependency-free pieces every stackbench component shares.
///
/// Owns: units for people (durations, sizes, rates: `Units.swift`), the user-facing error protocol and the one
/// `ExitStatus` table (`UserError.swift`), the monotonic clock (`MonotonicClock.swift`), process CPU accounting
/// (`CPUUsage.swift`) and CPU pinning (`CPUSet.swift`).
/// Must not: import anything beyond Foundation/Glibc, or know about HTTP, curl or stacks.
/// Mirrors: wrk's `units.c` for number parsing and printing.
import Foundation
