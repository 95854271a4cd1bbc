// A uwsgi request packet as the pool reads it: the 4-byte header checked, then the vars block.
import FuzzSupport
import UwsgiProtocol

fuzz { bytes in
    guard bytes.count >= 4 else { return }
    bytes.withUnsafeBytes { buffer in
        let header = UwsgiHeader(UnsafeRawBufferPointer(rebasing: buffer[0..<4]))
        guard (try? UwsgiPacket.check(header, bufferSize: 4096)) != nil else { return }
        let block = UnsafeRawBufferPointer(rebasing: buffer[4..<min(buffer.count, 4 + header.datasize)])
        _ = try? UwsgiPacket.parseVars(block)
    }
}
