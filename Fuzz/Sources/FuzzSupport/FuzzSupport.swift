import Foundation

/// Runs libFuzzer's driver (linked in by `-sanitize=fuzzer`) on `body`: each input the fuzzer makes is handed to
/// `body` as bytes; a crash, a trap, a leak of time past `-timeout` or memory past `-rss_limit_mb` is what it finds.
/// SwiftPM links executables with their own `main`, so the driver is started from it rather than from libFuzzer's.
public func fuzz(_ body: @escaping ([UInt8]) -> Void) -> Never {
    FuzzTarget.body = body
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput))
}

/// The entry libFuzzer knows by name (its own `main`, linked in but unused, refers to it).
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTarget.body?(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

enum FuzzTarget {
    nonisolated(unsafe) static var body: (([UInt8]) -> Void)?
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// A private folder for targets whose reader takes a path, removed at exit.
public let scratchFolder: String = {
    let folder = NSTemporaryDirectory() + "/stackbench-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "/stackbench-fuzz-\(getpid())") }
    return folder
}()
