// The same translation unit as c_api_with_plugin_abi.c, compiled as C++.
#include "c_api_with_plugin_abi.c"
