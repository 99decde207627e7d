// The rust test binary: one Host for every test (a callback plugin starts Python, once per process).
#include "rust_fixture.hpp"

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
