/// StackbenchTesting: what the tests share, and nothing a user runs.
///
/// Owns: temporary folders and the teacher project copied into one (`TeacherProject`), the seed files as written
/// (`SeedFiles`), the built binary (`BuiltProducts`), child processes with their output (`RunningProcess`), a fixture
/// HTTP server, raw bytes onto a socket (`RawHTTPClient`), real nginx stood up for a test (`NginxFixture`), and
/// installing a missing Debian package (`installIfMissing`).
/// Must not: be linked into the stackbench binary.
