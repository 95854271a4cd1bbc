import CCurl
import CLinux

/// How a client thread's requests travel on its connections: the one place the two engines (`Engine`) differ,
/// chosen once per thread when its `CurlMultiDriver` is made. The driver owns the loop, the schedule, the
/// connection slots, libcurl's event plumbing and the recording; a carrier sets up each connection, starts a
/// slot's request, takes the epoll events of the sockets it owns and the easy handles libcurl finished, and says
/// how long the loop may sleep for its own deadlines.
protocol RequestCarrier: AnyObject {
    /// Options of a connection's easy handle beyond those every connection gets.
    func configure(_ slot: UnsafeMutablePointer<CurlMultiDriver.Slot>, in driver: CurlMultiDriver)
    /// Sends the slot's new request, of template `template`; the driver has done its bookkeeping.
    func start(_ slot: UnsafeMutablePointer<CurlMultiDriver.Slot>, template: Int, in driver: CurlMultiDriver)
    /// epoll reported `flags` on `fd`: true when the socket is the carrier's and the event was handled, false for
    /// a socket of libcurl's.
    func handle(_ fd: Int32, flags: UInt32, in driver: CurlMultiDriver) -> Bool
    /// libcurl finished the slot's easy handle (CURLMSG_DONE) with `code`.
    func finished(_ slot: UnsafeMutablePointer<CurlMultiDriver.Slot>, easy: UnsafeMutableRawPointer, code: Int, in driver: CurlMultiDriver)
    /// Once per turn of the loop, at `now`: acts on the carrier's own deadlines and returns the next one
    /// (`UInt64.max` when it has none), which the loop does not sleep past while requests are in flight.
    func turn(now: UInt64, in driver: CurlMultiDriver) -> UInt64
}

/// The `.curl` engine: libcurl carries each request as a transfer of its own (its request building, header
/// parsing and connection cache); a finished transfer leaves the multi handle and is recorded.
final class CurlTransfers: RequestCarrier {
    func configure(_ slot: UnsafeMutablePointer<CurlMultiDriver.Slot>, in driver: CurlMultiDriver) {
        guard !driver.plan.keepAlive else { return }
        sb_easy_setopt_long(slot.pointee.easy, CURLOPT_FORBID_REUSE, 1)
        sb_easy_setopt_long(slot.pointee.easy, CURLOPT_FRESH_CONNECT, 1)
    }

    @inline(__always)
    func start(_ slot: UnsafeMutablePointer<CurlMultiDriver.Slot>, template: Int, in driver: CurlMultiDriver) {
        if slot.pointee.configuredTemplate != template {
            driver.templates.configure(slot.pointee.easy, for: template)
            slot.pointee.configuredTemplate = template
        }
        slot.pointee.inMulti = true
        curl_multi_add_handle(driver.multi, slot.pointee.easy)
    }

    @inline(__always)
    func handle(_ fd: Int32, flags: UInt32, in driver: CurlMultiDriver) -> Bool { false }

    @inline(__always)
    func finished(_ slot: UnsafeMutablePointer<CurlMultiDriver.Slot>, easy: UnsafeMutableRawPointer, code: Int, in driver: CurlMultiDriver) {
        var status = 0
        var headerBytes = 0
        if code == 0 {
            sb_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            sb_easy_getinfo_long(easy, CURLINFO_HEADER_SIZE, &headerBytes)
            var firstByte: curl_off_t = 0  // µs from the transfer's start
            sb_easy_getinfo_off(easy, CURLINFO_STARTTRANSFER_TIME_T, &firstByte)
            if firstByte > 0 { slot.pointee.firstByteAt = slot.pointee.actualStart + UInt64(firstByte) * 1000 }
        }
        curl_multi_remove_handle(driver.multi, easy)
        slot.pointee.inMulti = false
        driver.finish(slot, code: code, status: status, bytes: headerBytes + slot.pointee.bodyBytes)
    }

    @inline(__always)
    func turn(now: UInt64, in driver: CurlMultiDriver) -> UInt64 { .max }
}
