// Black-box tests of `--js-heap-limit MB`: a runaway JS allocation fails its call with OutOfMemory
// and the host goes on; bad values are usage errors.
#include "cli_run.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace promethean::cli_test;

TEST(CliJsHeapLimit, ARunawayAllocationFromPythonIsOutOfMemoryAndJsGoesOn) {
  auto [r, seconds] = bounded_run({"run", "--js-heap-limit", "64", data_file("js/heap_limit.py")});
  ASSERT_EQ(r.status, 0) << r.err;
  // A call past the limit fails alone (twice: by eval, by name from a thread); a timer callback
  // past it ends JS, as Node would end its process, and Python goes on.
  EXPECT_EQ(r.out, "js OutOfMemory True\n[2, 4, 6]\n['OutOfMemory']\njs after: Exit\n42\n") << r.err;
  EXPECT_TRUE(contains(r.err, "an event-loop callback ran out of memory: the heap reached its limit of 64 MiB"))
      << r.err;
  EXPECT_FALSE(contains(r.err, "FATAL ERROR")) << r.err;
  EXPECT_FALSE(contains(r.err, "corrupted")) << r.err;
  EXPECT_LT(seconds, 60.0);
}

TEST(CliJsHeapLimit, EvalTakesTheFlag) {
  auto [oom, s1] =
      bounded_run({"eval", "--js-heap-limit", "64", "js", "let a = []; while (true) a.push(new Array(1e6))"});
  EXPECT_EQ(oom.status, 1) << oom.err;
  EXPECT_TRUE(contains(oom.err, "OutOfMemory")) << oom.err;
  EXPECT_TRUE(contains(oom.err, "limit of 64 MiB")) << oom.err;
  auto [fine, s2] =
      bounded_run({"eval", "--js-heap-limit", "64", "js", "new Array(1000).fill(2).reduce((a, b) => a + b)"});
  EXPECT_EQ(fine.status, 0) << fine.err;
  EXPECT_EQ(fine.out, "2000\n");
  (void)s1;
  (void)s2;
}

TEST(CliJsHeapLimit, ABadValueIsAClearUsageError) {
  for (const std::string bad : {"abc", "0", "-5", "1.5", "64MB", "99999999999"}) {
    auto r = run({"eval", "--js-heap-limit", bad, "js", "1"});
    EXPECT_EQ(r.status, 2) << bad << ": " << r.err;
    EXPECT_TRUE(contains(r.err, "--js-heap-limit needs a whole number of MiB")) << bad << ": " << r.err;
  }
  auto missing = run({"run", "--js-heap-limit"});
  EXPECT_EQ(missing.status, 2) << missing.err;
  EXPECT_TRUE(contains(missing.err, "--js-heap-limit needs a value")) << missing.err;
}
