// Fuzzes JSON message and buffer-handle parsing, where JSON text from outside (the C API, plugin
// results, sh replies, receive-json) becomes a message: the text parses or is refused with a parse
// or message error; a message made from it holds exactly the live buffers and functions its
// handles name, in walk order, and refuses forged or stale handles with a message_error; its JSON
// prints and parses back equal. A few buffers and a function are live, for the seeds to name.
#include "fuzz_check.hpp"

#include <promethean/buffer/buffer.hpp>
#include <promethean/buffer/buffer_json.hpp>
#include <promethean/host/function_handle.hpp>
#include <promethean/host/json_text.hpp>
#include <promethean/host/message.hpp>

#include <vector>

namespace {
using promethean::fuzz::broken;
using promethean::fuzz::only_promethean_errors;

constexpr std::size_t k_max_len = 8192;  // also the -max_len scripts/fuzz passes

/// What the seeds name: b1 (uint8 [4]), b2 (float32 [2,3]), b3 (readonly int16 [5]), f1.
struct live_references {
  std::vector<promethean::buffer> buffers;
  std::shared_ptr<const promethean::function_handle> function;

  live_references() {
    buffers.push_back(promethean::buffer::allocate(promethean::dtype::uint8, {4}));
    buffers.push_back(promethean::buffer::allocate(promethean::dtype::float32, {2, 3}));
    buffers.push_back(promethean::buffer::allocate(promethean::dtype::int16, {5}, {.readonly = true}));
    function = promethean::function_handle::create("meta", "fuzz_function");
    PM_FUZZ_CHECK(buffers[0].id() == "b1" && buffers[2].id() == "b3" && function->id() == "f1",
                  "the seeds name b1, b2, b3 and f1: the first buffers and function of the process");
  }
};

/// Every Buffer handle and Function handle of `j`, in walk order (message.hpp), counted.
void count_handles(const nlohmann::json& j, std::size_t& buffers, std::size_t& functions) {
  if (j.is_object()) {
    if (promethean::is_buffer_handle(j)) {
      ++buffers;
      return;
    }
    if (promethean::function_handle::is_handle(j)) {
      ++functions;
      return;
    }
  }
  if (j.is_structured()) {
    for (const auto& item : j) count_handles(item, buffers, functions);
  }
}

/// Takes each handle's reference with a cursor, as a runtime's converter does: all must match.
void take_in_walk_order(const nlohmann::json& j, promethean::message::cursor& c) {
  if (j.is_object() && promethean::is_buffer_handle(j)) {
    const promethean::buffer& b = c.next_buffer(j);
    PM_FUZZ_CHECK(b.id() == j.at("buffer_id").get<std::string>(), "the cursor gave another buffer: " + j.dump());
    return;
  }
  if (j.is_object() && promethean::function_handle::is_handle(j)) {
    c.next_function(j);
    return;
  }
  if (j.is_structured()) {
    for (const auto& item : j) take_in_walk_order(item, c);
  }
}

/// Every object of `j` given to buffer_from_json: a live buffer that its handle describes, or a
/// message_error.
void try_every_object_as_handle(const nlohmann::json& j) {
  if (j.is_object()) {
    promethean::buffer b;
    if (only_promethean_errors("buffer_from_json", [&] { b = promethean::buffer_from_json(j); })) {
      PM_FUZZ_CHECK(promethean::is_buffer_handle(j), "buffer_from_json took a non-handle: " + j.dump());
      const nlohmann::json live = promethean::buffer_to_json(b);
      PM_FUZZ_CHECK(live.at("buffer_id") == j.at("buffer_id"), j.dump());
    }
  }
  if (j.is_structured()) {
    for (const auto& item : j) try_every_object_as_handle(item);
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const live_references live;
  const std::string_view text = promethean::fuzz::as_text(data, size, k_max_len);
  nlohmann::json value;
  try {
    value = promethean::parse_json_text(text);
  } catch (const nlohmann::json::parse_error&) {
    return 0;  // not JSON: what every caller turns into its own message_error
  } catch (const promethean::message_error&) {
    return 0;  // nested past the limit
  } catch (const std::exception& e) {
    broken("parse_json_text throws parse_error or message_error only", e.what());
  }
  std::size_t buffers = 0;
  std::size_t functions = 0;
  count_handles(value, buffers, functions);

  promethean::message m;
  if (only_promethean_errors("message(json)", [&] { m = promethean::message(value); })) {
    PM_FUZZ_CHECK(m.value() == value, "a message changed its value");
    PM_FUZZ_CHECK(m.buffers().size() == buffers && m.functions().size() == functions,
                  "a message holds " + std::to_string(m.buffers().size()) + " buffers and " +
                      std::to_string(m.functions().size()) + " functions for " + std::to_string(buffers) +
                      " and " + std::to_string(functions) + " handles: " + value.dump());
    promethean::message::cursor c(m);
    if (!only_promethean_errors("a converter's walk", [&] { take_in_walk_order(m.value(), c); })) {
      broken("every handle of a message made from JSON is taken by a cursor", value.dump());
    }
    // Rebuilt from its own references (what a runtime that forwards it does): the same message.
    promethean::message again;
    if (!only_promethean_errors("message(value, buffers, functions)",
                                [&] { again = promethean::message(m.value(), m.buffers(), m.functions()); })) {
      broken("a message rebuilt from its own references", value.dump());
    }
    PM_FUZZ_CHECK(again.buffers().size() == buffers, value.dump());
    // Its text parses back to the same value.
    const std::string printed = m.dump();
    PM_FUZZ_CHECK(promethean::parse_json_text(printed) == value, printed);
  } else {
    PM_FUZZ_CHECK(buffers + functions > 0, "a message without handles was refused: " + value.dump());
  }
  try_every_object_as_handle(value);
  return 0;
}
