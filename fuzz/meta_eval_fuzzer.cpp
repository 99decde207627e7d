// Fuzzes the meta evaluator on arbitrary .sib source, under a step budget (so a hang is a real
// hang, not a long loop the input wrote): every outcome is a value or an error of Promethean's
// family (or (exit n)); the value prints as JSON; and a plain value marshalled back to meta
// source (host::marshal, what `(marshal "meta" v)` gives) evaluates to an equal value.
// The host offers meta alone: no sh (fuzz input must not run commands), no engines.
#include "fuzz_check.hpp"

#include "meta/evaluator.hpp"

#include <promethean/host/host.hpp>

#include <sstream>

namespace {
using promethean::fuzz::broken;
using promethean::fuzz::only_promethean_errors;

constexpr std::size_t k_max_len = 4096;      // also the -max_len scripts/fuzz passes
constexpr std::uint64_t k_step_budget = 20'000;  // list forms evaluated per input

/// True when `j` holds no tagged object ("_type"): a value with no handles or envelopes in it.
bool plain(const nlohmann::json& j) {
  if (j.is_object() && j.contains("_type")) return false;
  if (j.is_structured()) {
    for (const auto& item : j) {
      if (!plain(item)) return false;
    }
  }
  return true;
}

struct outcome {
  bool ok = false;
  promethean::message value;
};

outcome run(promethean::host& h, std::string_view source) {
  std::ostringstream out;
  promethean::meta::evaluator ev(h, out);
  promethean::meta::step_budget budget(k_step_budget);
  outcome result;
  bool exited = false;
  result.ok = only_promethean_errors("meta evaluation", [&] {
    try {
      result.value = ev.run(source, "<fuzz>");
    } catch (const promethean::meta::exit_request&) {
      exited = true;  // (exit n): the script's way to end, not an error
    }
  });
  result.ok = result.ok && !exited;
  ev.clear();
  return result;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view source = promethean::fuzz::as_text(data, size, k_max_len);
  // A Host per input, so that no input depends on what an earlier one defined (replays reproduce).
  promethean::host h(promethean::host_options{.runtimes = {"meta"}});
  const outcome first = run(h, source);
  if (!first.ok) return 0;
  const nlohmann::json& value = first.value.value();
  std::string printed;
  only_promethean_errors("a meta value prints as JSON", [&] { printed = value.dump(); });
  if (!plain(value)) return 0;
  // Back to meta source, and evaluated again: the same value.
  std::string literal;
  if (!only_promethean_errors("host::marshal(\"meta\", value)", [&] { literal = h.marshal("meta", value); })) {
    broken("a plain meta value marshals to meta source", printed);
  }
  const outcome again = run(h, literal);
  PM_FUZZ_CHECK(again.ok, "the marshalled value does not evaluate: " + literal + "\nvalue: " + printed);
  PM_FUZZ_CHECK(again.value.value() == value,
                "marshalled " + printed + " as " + literal + ", which evaluates to " + again.value.dump());
  return 0;
}
