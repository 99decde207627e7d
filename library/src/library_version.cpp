// The library's own version, readable by embedders at run time (the headers give the compile-time one).
#include <promethean/config.hpp>

extern "C" PROMETHEAN_API const char* pm_version(void) { return PROMETHEAN_VERSION_STRING; }
