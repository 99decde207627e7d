// The C API's one guard (detail::c_guard): every C++ exception, std::bad_alloc included, comes
// back as an owned pm_error, from the guard itself and from a real C API call.
#include "../support/failing_allocator.hpp"

#include <promethean/detail/c_guard.hpp>
#include <promethean/error.hpp>
#include <promethean/promethean.h>

#include <gtest/gtest.h>

#include <new>
#include <stdexcept>
#include <string>

using promethean::detail::c_guard;
using promethean::detail::c_guard_or;
using promethean::testing_support::failing_allocations;

namespace {
/// The error's runtime, type and message as one string, and the error deleted.
std::string taken(pm_error* e) {
  std::string s = std::string(pm_error_runtime(e)) + " " + pm_error_type(e) + ": " + pm_error_message(e);
  pm_error_delete(e);
  return s;
}
}  // namespace

TEST(CGuard, EveryExceptionBecomesAnOwnedError) {
  EXPECT_EQ(c_guard([] {}), nullptr);
  EXPECT_EQ(taken(c_guard([] { throw promethean::usage_error("bad flag"); })), "host UsageError: bad flag");
  EXPECT_EQ(taken(c_guard([] { throw promethean::plugin_error("ValueError", "no"); })), "rust ValueError: no");
  EXPECT_EQ(taken(c_guard([] { throw std::bad_alloc(); })), "host MemoryError: out of memory");
  EXPECT_EQ(taken(c_guard([] { throw std::runtime_error("odd"); })), "host InternalError: odd");
  EXPECT_EQ(taken(c_guard([] { throw 42; })), "host InternalError: unknown exception in the host");
  // The out-of-memory error is static: deleting it (twice, from two failures) is fine.
  pm_error* a = c_guard([] { throw std::bad_alloc(); });
  pm_error* b = c_guard([] { throw std::bad_alloc(); });
  pm_error_delete(a);
  pm_error_delete(b);
  EXPECT_EQ(c_guard_or(-1, [] { return 7; }), 7);
  EXPECT_EQ(c_guard_or(-1, []() -> int { throw std::bad_alloc(); }), -1);
}

TEST(CApi, RunningOutOfMemoryInACallIsAnOwnedError) {
  pm_host* host = nullptr;
  ASSERT_EQ(pm_host_new("sh", 0, &host), nullptr);
  // A 4 MiB string argument: parsing args_json needs a large block, and large blocks fail here.
  const std::string args = "[\"" + std::string(std::size_t{4} << 20, 'x') + "\"]";
  pm_message* out = nullptr;
  pm_error* e = nullptr;
  {
    failing_allocations fail_from(std::size_t{1} << 20);
    e = pm_host_call(host, "sh", "printf", args.c_str(), &out);
  }
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(out, nullptr);  // not written on failure
  EXPECT_STREQ(pm_error_runtime(e), "host");
  EXPECT_STREQ(pm_error_type(e), "MemoryError");
  pm_error_delete(e);
  // The host goes on serving.
  char* names = nullptr;
  ASSERT_EQ(pm_host_runtimes(host, &names), nullptr);
  EXPECT_NE(std::string(names).find("\"sh\""), std::string::npos) << names;
  pm_string_delete(names);
  pm_host_delete(host);
}

TEST(CApi, ArgumentsNestedAMillionDeepAreAnErrorNamingTheLimit) {
  pm_host* host = nullptr;
  ASSERT_EQ(pm_host_new("sh", 0, &host), nullptr);
  const std::string deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  pm_message* out = nullptr;
  pm_error* e = pm_host_call(host, "sh", "printf", deep.c_str(), &out);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(out, nullptr);
  EXPECT_STREQ(pm_error_type(e), "MessageError");
  EXPECT_NE(std::string(pm_error_message(e)).find("nested deeper than 512 levels"), std::string::npos)
      << pm_error_message(e);
  pm_error_delete(e);
  // The host goes on serving.
  ASSERT_EQ(pm_host_call(host, "sh", "printf", "[\"ok\"]", &out), nullptr);
  EXPECT_NE(std::string(pm_message_json(out)).find("ok"), std::string::npos) << pm_message_json(out);
  pm_message_delete(out);
  pm_host_delete(host);
}

// Found by fuzzing (fuzz/regressions/meta_eval/function_value_outlives_its_evaluator.sib): a meta
// function kept in a result after its Host was deleted used to reach into the freed evaluator when
// the result was released (the asan preset reports it; here it must at least not hang or crash).
TEST(CApi, AMetaFunctionInAResultMayOutliveItsHost) {
  pm_host* host = nullptr;
  ASSERT_EQ(pm_host_new("meta", 0, &host), nullptr);
  pm_message* out = nullptr;
  ASSERT_EQ(pm_host_eval(host, "meta", "(let ((inner (fn (y) y))) (fn (x) (inner x)))", &out), nullptr);
  EXPECT_NE(std::string(pm_message_json(out)).find("\"Function\""), std::string::npos) << pm_message_json(out);
  pm_host_delete(host);
  pm_message_delete(out);
}

// Found by fuzzing (fuzz/regressions/c_api/number_overflow.bin): a number past a double's range
// escaped nlohmann's parser as out_of_range, which came out of the C API as an InternalError.
TEST(CApi, ANumberPastADoublesRangeIsNotJson) {
  pm_host* host = nullptr;
  ASSERT_EQ(pm_host_new("meta", 0, &host), nullptr);
  pm_message* out = nullptr;
  pm_error* e = pm_host_call(host, "meta", "list", "[1, 829E965295]", &out);
  ASSERT_NE(e, nullptr);
  EXPECT_STREQ(pm_error_type(e), "MessageError");
  EXPECT_NE(std::string(pm_error_message(e)).find("not valid JSON"), std::string::npos) << pm_error_message(e);
  pm_error_delete(e);
  pm_host_delete(host);
}
