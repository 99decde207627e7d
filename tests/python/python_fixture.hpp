// Shared by the py tests: the process's Host (created in support/host_main.cpp).
#pragma once

#include <promethean/host/host.hpp>

extern promethean::host* g_host;

inline promethean::host& the_host() { return *g_host; }
