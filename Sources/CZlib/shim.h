#ifndef H2FLEET_CZLIB_SHIM_H
#define H2FLEET_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit2 is a macro (it passes ZLIB_VERSION and the size of z_stream); Swift cannot import it.
static inline int CZlib_inflateInit2(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}
#endif
