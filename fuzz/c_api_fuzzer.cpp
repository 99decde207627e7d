// Fuzzes the C API's text arguments (promethean.h): runtime lists, runtime and function names,
// code, JSON arguments and payloads, buffer type JSON, sizes, formats and ids, each call fed from
// the fuzz bytes' NUL-separated pieces. Every call returns success or an owned error whose type is
// one of Promethean's (never InternalError: a C++ exception that is not Promethean's), whose fields
// are readable; every result's JSON parses; nothing leaks. A Host per input, offering meta alone:
// fuzz input must not run shell commands, and engines start once per process.
#include "fuzz_check.hpp"

#include "meta/evaluator.hpp"

#include <promethean/host/json_text.hpp>
#include <promethean/promethean.h>

#include <string>
#include <vector>

namespace {
using promethean::fuzz::broken;

constexpr std::size_t k_max_len = 4096;                 // also the -max_len scripts/fuzz passes
constexpr unsigned long long k_max_bytes = 64ull << 20;  // buffers the harness lets be made

/// Checks an error the C API returned, and frees it. True when there was none.
bool accept(pm_error* e, const char* call) {
  if (e == nullptr) return true;
  const std::string type = pm_error_type(e);
  const std::string message = pm_error_message(e);
  const std::string runtime = pm_error_runtime(e);
  (void)pm_error_trace(e);
  pm_error_delete(e);
  PM_FUZZ_CHECK(!type.empty() && !message.empty() && !runtime.empty(), std::string(call) + ": an error with empty fields");
  PM_FUZZ_CHECK(type != "InternalError", std::string(call) + ": an exception outside Promethean's family: " + message);
  return false;
}

void check_message(pm_message* m, const char* call) {
  if (m == nullptr) return;
  const std::string json = pm_message_json(m);
  try {
    (void)promethean::parse_json_text(json);
  } catch (const std::exception& e) {
    broken("a result's JSON parses", std::string(call) + ": " + json + ": " + e.what());
  }
  for (std::size_t i = 0; i < pm_message_buffer_count(m); ++i) pm_buffer_delete(pm_message_buffer(m, i));
  pm_message_delete(m);
}

void check_buffer(pm_buffer* b) {
  if (b == nullptr) return;
  char* handle = pm_buffer_json(b);
  PM_FUZZ_CHECK(handle != nullptr, "a buffer without a handle");
  pm_buffer* again = nullptr;
  PM_FUZZ_CHECK(accept(pm_buffer_get(nullptr, pm_buffer_id(b), &again), "pm_buffer_get(NULL)") == false,
                "pm_buffer_get with a NULL host succeeded");
  pm_string_delete(handle);
  pm_buffer_delete(b);
}

/// The product of JSON sizes, or 0 when one is not a small non-negative integer or the product is
/// past what the harness lets be allocated (a product that overflows is kept: it must be refused).
bool small_enough(const std::string& sizes_json) {
  nlohmann::json j;
  try {
    j = promethean::parse_json_text(sizes_json);
  } catch (const std::exception&) {
    return true;  // refused before anything is allocated
  }
  if (!j.is_object()) return true;
  unsigned __int128 product = 8;  // the widest element
  for (const auto& [name, size] : j.items()) {
    if (!size.is_number_unsigned()) return true;
    product *= size.get<std::uint64_t>();
    if (product > (static_cast<unsigned __int128>(1) << 64)) return true;  // overflows: refused
  }
  return product <= k_max_bytes;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t op = data[0];
  const std::string_view rest = promethean::fuzz::as_text(data + 1, size - 1, k_max_len);
  std::vector<std::string> text;  // the NUL-separated pieces, each a C string
  std::size_t start = 0;
  while (text.size() < 4) {
    const std::size_t end = rest.find('\0', start);
    text.emplace_back(rest.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  text.resize(4);
  const char* a = text[0].c_str();
  const char* b = text[1].c_str();
  const char* c = text[2].c_str();

  pm_host* host = nullptr;
  if (op % 16 == 0) {  // pm_host_new's runtime list (no engine starts: they start on first use)
    if (accept(pm_host_new(a, 0, &host), "pm_host_new")) pm_host_delete(host);
    return 0;
  }
  if (!accept(pm_host_new("meta", 0, &host), "pm_host_new(meta)")) broken("a meta host is made", "");
  pm_message* m = nullptr;
  pm_buffer* buf = nullptr;
  promethean::meta::step_budget budget(20'000);  // the meta code the calls run: a hang is a real hang
  switch (op % 16) {
    case 1:
      accept(pm_host_eval_with_timeout(host, a, b, 2.0, &m), "pm_host_eval");
      check_message(m, "pm_host_eval");
      break;
    case 2:
      accept(pm_host_call_with_timeout(host, a, b, c, 2.0, &m), "pm_host_call");
      check_message(m, "pm_host_call");
      break;
    case 3:  // a handler defined, then a payload sent to it
      accept(pm_host_eval_with_timeout(host, "meta", "(def on_message (x) x)", 2.0, nullptr), "define the handler");
      accept(pm_host_set_message_handler(host, a, b), "pm_host_set_message_handler");
      accept(pm_host_send_json(host, a, c, &m), "pm_host_send_json");
      check_message(m, "pm_host_send_json");
      break;
    case 4:
      accept(pm_host_register_buffer_type(host, a), "pm_host_register_buffer_type");
      if (small_enough(c)) {
        if (accept(pm_buffer_create_typed(host, b, c, &buf), "pm_buffer_create_typed")) check_buffer(buf);
      }
      break;
    case 5:
      if (accept(pm_buffer_get(host, a, &buf), "pm_buffer_get")) check_buffer(buf);
      break;
    case 6: {  // a format name and a shape from the bytes
      std::vector<std::size_t> shape;
      unsigned __int128 product = 8;
      for (std::size_t i = 0; i + 1 < text[1].size() && shape.size() < 6; i += 2) {
        shape.push_back(static_cast<unsigned char>(text[1][i]) << (text[1][i + 1] & 31));
        product *= shape.back();
      }
      if (product <= k_max_bytes || product > (static_cast<unsigned __int128>(1) << 64)) {
        if (accept(pm_buffer_create(host, a, shape.size(), shape.data(), &buf), "pm_buffer_create")) check_buffer(buf);
      }
      break;
    }
    case 7: {  // (pm_host_load's path is left out: a path such as /dev/stdin would wait for input)
      char* names = nullptr;
      if (accept(pm_host_runtimes(host, &names), "pm_host_runtimes")) pm_string_delete(names);
      accept(pm_host_load(host, a, "/nonexistent/promethean-fuzz"), "pm_host_load");
      break;
    }
    default:  // the code as meta source, then a call of what it defined
      accept(pm_host_eval_with_timeout(host, "meta", a, 2.0, &m), "pm_host_eval(meta)");
      check_message(m, "pm_host_eval(meta)");
      m = nullptr;
      accept(pm_host_call_with_timeout(host, "meta", b, c, 2.0, &m), "pm_host_call(meta)");
      check_message(m, "pm_host_call(meta)");
      break;
  }
  pm_host_delete(host);
  return 0;
}
