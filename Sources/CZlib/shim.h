#ifndef BGBFLEET_CZLIB_SHIM_H
#define BGBFLEET_CZLIB_SHIM_H
#include <zlib.h>
#endif
