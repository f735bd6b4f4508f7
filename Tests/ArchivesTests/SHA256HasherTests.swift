import Archives
import Testing

// SPEC 7.1: `sha256` of files as stored, of the policy and of the registry.
@Suite("SHA-256 (libcrypto)")
struct SHA256HasherTests {
    @Test(
        "known vectors (FIPS 180-2)",
        arguments: [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
        ])
    func vectors(_ text: String, _ digest: String) {
        #expect(sha256Hex(Array(text.utf8)) == digest)
        #expect(SHA256Hasher.hash(Array(text.utf8)).count == 32)
    }

    @Test("a digest fed in uneven pieces equals the one-shot digest (a million 'a')")
    func streamed() {
        let bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        var hasher = SHA256Hasher()
        var start = 0
        var step = 1
        while start < bytes.count {
            let end = min(bytes.count, start + step)
            bytes[start..<end].withUnsafeBytes { hasher.update($0) }
            start = end
            step = step * 3 + 1
        }
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(hasher.finalizeHex() == expected)
        #expect(sha256Hex(bytes) == expected)
    }
}
