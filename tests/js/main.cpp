// The js test binary owns the one Node environment of its process: one Host for every test.
#include "js_fixture.hpp"

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
