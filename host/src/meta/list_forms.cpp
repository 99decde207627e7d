// The meta language's list operations: filter, reduce, first, rest, nth, cons, concat, slice,
// apply and range. Strings count in characters (code points) in nth, first, rest and slice.
#include "evaluator.hpp"

#include "forms.hpp"

#include <promethean/error.hpp>

#include <optional>

namespace promethean::meta {

using namespace detail;

namespace {
__extension__ typedef __int128 wide;  // range bounds without overflow

const nlohmann::json& list_of(const message& m, const node& at, const char* form) {
  if (!m.value().is_array()) fail(at, "TypeError", std::string("(") + form + " …) needs a list, got " + m.dump().substr(0, 200));
  return m.value();
}

/// The items of a list as values, each holding the list's buffers and functions.
std::vector<message> items_of(const message& list, const node& at, const char* form) {
  std::vector<message> items;
  for (const auto& item : list_of(list, at, form)) items.push_back(item_of(list, item));
  return items;
}

/// An integer argument (a count or an index).
std::int64_t index_of(const message& m, const node& at, const char* form) {
  if (!m.value().is_number_integer() || (m.value().is_number_unsigned() && m.value().get<std::uint64_t>() > INT64_MAX)) {
    fail(at, "TypeError", std::string("(") + form + " …) needs an integer index, got " + m.dump().substr(0, 200));
  }
  return m.value().get<std::int64_t>();
}

/// Python's slice bounds: a negative index counts from the end; both are clamped to [0, size].
std::size_t clamp_index(std::int64_t i, std::size_t size) {
  const auto n = static_cast<std::int64_t>(size);
  if (i < 0) i = i + n < 0 ? 0 : i + n;
  return static_cast<std::size_t>(i > n ? n : i);
}

message slice_of(const message& whole, std::int64_t start, std::optional<std::int64_t> end, const node& n) {
  const auto& v = whole.value();
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    const std::size_t size = utf8_length(s);
    return message(nlohmann::json(utf8_slice(s, clamp_index(start, size), end ? clamp_index(*end, size) : size)));
  }
  if (!v.is_array()) fail(n, "TypeError", "a slice of a list or a string, got " + whole.dump().substr(0, 200));
  const std::size_t from = clamp_index(start, v.size());
  const std::size_t to = end ? clamp_index(*end, v.size()) : v.size();
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = from; i < to; ++i) out.push_back(v[i]);
  return message(std::move(out), whole.buffers(), whole.functions());
}
}  // namespace

void evaluator::install_list_forms() {
  // (filter f items): the items for which f (any runtime's function) gives a truthy value.
  m_builtins["filter"] = [this](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 2, n, "filter");
    std::vector<message> kept;
    for (auto& item : items_of(args[1], n, "filter")) {
      std::vector<message> one{item};
      if (truthy(apply(args[0], one, n))) kept.push_back(std::move(item));
    }
    return array_of(kept);
  };
  // (reduce f init items), or (reduce f items) starting from the first item: f(acc, item) in order.
  m_builtins["reduce"] = [this](std::vector<message>& args, const node& n) -> message {
    if (args.size() != 2 && args.size() != 3) fail(n, "ArityError", "(reduce f init? items) takes two or three arguments");
    std::vector<message> items = items_of(args.back(), n, "reduce");
    std::size_t i = 0;
    message acc;
    if (args.size() == 3) {
      acc = args[1];
    } else {
      if (items.empty()) fail(n, "TypeError", "(reduce f items) of an empty list needs an initial value");
      acc = items[i++];
    }
    for (; i < items.size(); ++i) {
      std::vector<message> two{acc, items[i]};
      acc = apply(args[0], two, n);
    }
    return acc;
  };
  // (apply f arg… items): f called with the args, then the items of the last list.
  m_builtins["apply"] = [this](std::vector<message>& args, const node& n) -> message {
    if (args.size() < 2) fail(n, "ArityError", "(apply f arg… items) takes a function and a list");
    std::vector<message> call(args.begin() + 1, args.end() - 1);
    for (auto& item : items_of(args.back(), n, "apply")) call.push_back(std::move(item));
    return apply(args[0], call, n);
  };
  m_builtins["nth"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 2, n, "nth");
    return get_in(args[0], index_of(args[1], n, "nth"), n);
  };
  // (first x): the first item or character, null when empty.
  m_builtins["first"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 1, n, "first");
    const auto& v = args[0].value();
    if (v.is_string()) return message(nlohmann::json(utf8_slice(v.get_ref<const std::string&>(), 0, 1)));
    const auto& list = list_of(args[0], n, "first");
    return list.empty() ? message() : item_of(args[0], list[0]);
  };
  m_builtins["rest"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 1, n, "rest");
    return slice_of(args[0], 1, std::nullopt, n);
  };
  // (slice x start end?): items or characters [start, end); negative indexes count from the end.
  m_builtins["slice"] = [](std::vector<message>& args, const node& n) -> message {
    if (args.size() != 2 && args.size() != 3) fail(n, "ArityError", "(slice x start end?) takes two or three arguments");
    std::optional<std::int64_t> end;
    if (args.size() == 3) end = index_of(args[2], n, "slice");
    return slice_of(args[0], index_of(args[1], n, "slice"), end, n);
  };
  m_builtins["cons"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 2, n, "cons");
    std::vector<message> items{args[0]};
    for (auto& item : items_of(args[1], n, "cons")) items.push_back(std::move(item));
    return array_of(items);
  };
  // (concat xs…): lists joined into one (strings: use str or join).
  m_builtins["concat"] = [](std::vector<message>& args, const node& n) -> message {
    std::vector<message> items;
    for (const auto& list : args) {
      for (auto& item : items_of(list, n, "concat")) items.push_back(std::move(item));
    }
    return array_of(items);
  };
  // (range end), (range start end), (range start end step): as Python's range.
  m_builtins["range"] = [](std::vector<message>& args, const node& n) -> message {
    if (args.empty() || args.size() > 3) fail(n, "TypeError", "(range end), (range start end) or (range start end step), integers");
    std::int64_t bounds[3] = {0, 0, 1};
    for (std::size_t i = 0; i < args.size(); ++i) {
      bounds[args.size() == 1 ? 1 : i] = index_of(args[i], n, "range");
    }
    const auto [start, end, step] = bounds;
    if (step == 0) fail(n, "ValueError", "(range …) step must not be zero");
    const wide span = step > 0 ? static_cast<wide>(end) - start : static_cast<wide>(start) - end;
    const wide count = span <= 0 ? 0 : (span + (step > 0 ? step : -static_cast<wide>(step)) - 1) / (step > 0 ? step : -static_cast<wide>(step));
    if (count > 10'000'000) fail(n, "ValueError", "(range …) of more than 10 million numbers");
    nlohmann::json numbers = nlohmann::json::array();
    for (wide k = 0; k < count; ++k) numbers.push_back(static_cast<std::int64_t>(start + k * step));
    return message(std::move(numbers));
  };
}

}  // namespace promethean::meta
