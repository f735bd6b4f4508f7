import COpenSSL

/// SHA-256 through OpenSSL's libcrypto (EVP interface): the checksums of files as stored, of the
/// policy and of the registry (SPEC 7.1). The only place libcrypto is called.
///
/// It owns an OpenSSL digest context, freed when the hasher ends; it is not `Sendable`: one per
/// file being read.
public struct SHA256Hasher: ~Copyable {
    private let context: OpaquePointer

    /// Starts a new digest.
    public init() {
        guard let context = EVP_MD_CTX_new() else {
            fatalError("libcrypto could not allocate a digest context (out of memory)")
        }
        // Initialising SHA-256, a built-in digest, fails only without memory.
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            fatalError("libcrypto could not start a SHA-256 digest")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds `bytes` to the digest.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        guard EVP_DigestUpdate(context, base, bytes.count) == 1 else {
            fatalError("libcrypto failed to update a SHA-256 digest")
        }
    }

    /// The 32-byte digest of everything added; ends the hasher.
    public consuming func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &digest, &length) == 1 else {
            fatalError("libcrypto failed to finish a SHA-256 digest")
        }
        return Array(digest.prefix(Int(length)))
    }

    /// The digest of everything added as lower-case hex (64 characters); ends the hasher.
    public consuming func finalizeHex() -> String {
        hexString(finalize())
    }

    /// The 32-byte SHA-256 of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var hasher = SHA256Hasher()
        bytes.withUnsafeBytes { hasher.update($0) }
        return hasher.finalize()
    }
}

/// Lower-case hex SHA-256 of `bytes` (the policy's and the registry's checksums, SPEC 7.1).
public func sha256Hex(_ bytes: [UInt8]) -> String {
    hexString(SHA256Hasher.hash(bytes))
}

/// `bytes` as lower-case hex, two digits each.
func hexString(_ bytes: some Sequence<UInt8>) -> String {
    let hex = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    for byte in bytes {
        text.append(hex[Int(byte >> 4)])
        text.append(hex[Int(byte & 15)])
    }
    return String(decoding: text, as: UTF8.self)
}
