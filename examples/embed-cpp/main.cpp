// Embedding the whole Promethean host in a C++ program: Python and JavaScript evaluated in
// process, a Rust plugin called, and one buffer shared by all of them without a copy: written
// through an xtensor view here, summed by numpy, changed by JS and by Rust, read back here.
#include <promethean/promethean.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

namespace {
int failures = 0;

void expect(bool ok, const std::string& what) {
  std::cout << (ok ? "ok   " : "FAIL ") << what << '\n';
  if (!ok) ++failures;
}
}  // namespace

int main() {
  try {
    // One Host per process; runtimes start on first use. Destroying it shuts them down in order.
    promethean::Host host({.runtimes = {"py", "js", "rust"}});

    // eval returns a MetaObject: the value and the runtime it came from.
    promethean::meta_object answer = host.eval("py", "6 * 7");
    std::cout << "py eval: " << answer.to_json().dump() << '\n';
    expect(answer.source == "py" && answer.data.value() == 42, "python computed 6 * 7 = 42");

    promethean::meta_object doubled = host.eval("js", "[1, 2, 3].map((x) => x * 2)");
    std::cout << "js eval: " << doubled.data.dump() << '\n';
    expect(doubled.source == "js" && doubled.data.value() == nlohmann::json({2, 4, 6}), "javascript mapped [1,2,3] to [2,4,6]");

    // A buffer type (named dimensions, a format, a fixed size), then a host buffer of that type,
    // filled through an xtensor view over its own memory.
    host.buffers().types().add(promethean::buffer_type::make("Samples", {"rows", "cols"}, "float32", {{"cols", 3}}));
    promethean::buffer values = host.buffers().create_typed("Samples", {{"rows", 2}});
    expect(values.type_name() == "Samples" && values.shape() == promethean::shape_t{2, 3},
           "a Samples buffer of 2 rows has shape [2, 3]");
    auto view = host.buffers().view<float>(values);
    for (std::size_t i = 0; i < 2; ++i) {
      for (std::size_t j = 0; j < 3; ++j) view(i, j) = static_cast<float>(i * 3 + j + 1);  // 1 … 6
    }
    // Its handle is how it travels in arguments; every runtime gets the same bytes.
    const nlohmann::json args = nlohmann::json::array({promethean::buffer_to_json(values)});
    expect(host.buffers().get(values.id()).cdata() == values.cdata(), "buffers().get(id) finds the same memory");

    promethean::message total = host.call("py", "numpy.sum", args);
    std::cout << "numpy.sum: " << total.dump() << '\n';
    expect(total.value() == 21.0, "numpy summed the values written in C++ (21)");

    // JS writes into the buffer (a Float32Array over the same memory) ...
    host.eval("js", "promethean.export('negate_first', (a) => { a[0] = -a[0]; return a.length; })");
    promethean::message length = host.call("js", "negate_first", args);
    expect(length.value() == 6, "javascript saw 6 float32 values");
    expect(view(0, 0) == -1.0f, "the xtensor view sees javascript's write (-1)");

    // ... and so does the Rust plugin, in place, then sums it.
    host.load("rust", STATS_PLUGIN);
    host.call("rust", "stats.scale", nlohmann::json::array({promethean::buffer_to_json(values), 2.0}));
    expect(view(0, 0) == -2.0f && view(1, 2) == 12.0f, "the xtensor view sees rust's in-place scale (x2)");
    promethean::message sum = host.call("rust", "stats.sum", args);
    std::cout << "stats.sum: " << sum.dump() << '\n';
    expect(sum.value() == 38.0, "rust summed the shared buffer (38)");

    // Errors from any runtime are the promethean::error family, with the runtime's own type.
    try {
      host.call("py", "math.sqrt", nlohmann::json::array({-1}));
      expect(false, "math.sqrt(-1) raised");
    } catch (const promethean::python_error& e) {
      std::cout << "python error: " << e.type() << ": " << e.message() << '\n';
      expect(e.runtime() == "py" && e.type() == "ValueError", "math.sqrt(-1) is a python_error of type ValueError");
    }
  } catch (const promethean::error& e) {
    std::cerr << "embed-cpp: " << e.describe() << '\n';
    return EXIT_FAILURE;
  }
  std::cout << (failures == 0 ? "embed-cpp: all checks passed" : "embed-cpp: checks failed") << '\n';
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
