#ifndef H2FLEET_COPENSSL_SHIM_H
#define H2FLEET_COPENSSL_SHIM_H
// Only the EVP digest interface of libcrypto is used (SHA-256 of the files as stored); the
// low-level SHA256_* functions are deprecated since OpenSSL 3.0.
#include <openssl/evp.h>
#endif
