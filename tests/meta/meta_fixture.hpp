// What the meta test files share: the process's one Host (support/host_main.cpp) and `sib`.
#pragma once

#include <promethean/host/host.hpp>

#include <nlohmann/json.hpp>

#include <string>

extern promethean::host* g_host;

/// The value of meta code, evaluated in the test process's Host.
inline nlohmann::json sib(const std::string& code) { return g_host->eval("meta", code).data.value(); }
