#ifndef H2FLEET_CZSTD_SHIM_H
#define H2FLEET_CZSTD_SHIM_H
#include <zstd.h>
#include <zstd_errors.h>

/// ZSTD_VERSION_NUMBER is a macro; Swift cannot import it.
static inline unsigned CZstd_versionNumber(void) { return ZSTD_VERSION_NUMBER; }
#endif
