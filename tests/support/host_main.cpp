// main() of the engine test binaries (py, js, rust): one Host for every test of the process,
// because CPython and Node can each start only once per process.
#include <promethean/host/host.hpp>

#include <gtest/gtest.h>

promethean::host* g_host = nullptr;

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  promethean::host h;
  g_host = &h;
  const int status = RUN_ALL_TESTS();
  g_host = nullptr;
  return status;
}
