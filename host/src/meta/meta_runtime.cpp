// The `meta` runtime: the evaluator behind the Runtime interface, and `promethean run x.sib`.
#include "meta_runtime.hpp"

#include "evaluator.hpp"

#include <promethean/error.hpp>
#include <promethean/host/deadline.hpp>
#include <promethean/host/host.hpp>
#include <promethean/host/source_literal.hpp>
#include <promethean/host/keyword_arguments.hpp>

#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>

namespace promethean::detail {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error("meta: cannot read " + path.string(), "meta");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// JSON as meta source that evaluates to it: arrays as [a b], objects as (object "key" value …); the rest as JSON
/// writes it (JSON's string escapes are meta's).
constexpr literal_spelling k_meta_spelling{.item_separator = " ",
                                           .object_open = "(object",
                                           .first_member_prefix = " ",
                                           .member_separator = " ",
                                           .key_value_separator = " ",
                                           .object_close = ")"};

class meta_runtime final : public runtime {
 public:
  explicit meta_runtime(host& h) : m_eval(h, std::cout) { m_eval.set_lock(&m_lock); }

  std::string_view name() const noexcept override { return "meta"; }
  std::string version() const override { return PROMETHEAN_VERSION_STRING; }

  nlohmann::json describe() const override {
    return {{"name", "meta"},
            {"language", "Promethean meta language (Sibilant-flavoured s-expressions, .sib)"},
            {"version", version()},
            {"eval", "forms -> the value of the last one"},
            {"call", "a global name or a meta function id, with the arguments"},
            {"marshal", "JSON -> a meta literal ([…], (object …))"},
            {"messages", "set_message_handler(name): that function receives the JSON"},
            {"capabilities", {"eval", "call", "define", "load", "send_json", "run"}}};
  }

  // A timeout given to meta is passed on: the calls the meta code makes into other runtimes get
  // what is left of it, and meta code stops at its next function call once it has passed.
  message eval(std::string_view code, const call_options& options) override {
    std::optional<deadline_scope> deadline;
    if (options.timeout) deadline.emplace(watchdog::clock::now() + *options.timeout);
    std::lock_guard lock(m_lock);
    return exits_as_errors([&] {
      return m_eval.run(code, options.source_name.empty() ? "<eval>" : options.source_name, options.first_line);
    });
  }

  message call(std::string_view function, const message& args, const call_options& options) override {
    keyword_arguments::refuse(args.value(), "meta", function);  // meta functions take positions only
    std::optional<deadline_scope> deadline;
    if (options.timeout) deadline.emplace(watchdog::clock::now() + *options.timeout);
    std::vector<message> list;
    for (const auto& a : args.value()) list.emplace_back(a, args.buffers(), args.functions());
    std::lock_guard lock(m_lock);
    return exits_as_errors([&] { return m_eval.call_global(function, list); });
  }

  void define(const function_definition& d) override {
    std::lock_guard lock(m_lock);
    m_eval.define(d.name, d.params, d.body);
  }

  void load(const std::filesystem::path& path) override {
    const std::string source = read_file(path);
    std::lock_guard lock(m_lock);
    exits_as_errors([&] { return m_eval.run(source, path.string()); });
  }

  std::string marshal(const nlohmann::json& value) const override { return source_literal(value, k_meta_spelling); }

  message send_json(const message& payload, const call_options& options) override {
    std::string handler;
    {
      std::lock_guard lock(m_lock);
      handler = m_handler;
    }
    if (handler.empty()) {
      // Without a handler, meta prints the message's JSON text where (print …) writes, and the
      // reply is null, as in every runtime (docs/META.md, send-json).
      std::cout << payload.dump() << '\n' << std::flush;
      return message();
    }
    return call(handler, message(nlohmann::json::array({payload.value()}), payload.buffers(), payload.functions()),
                options);
  }

  void set_message_handler(std::string_view handler) override {
    std::lock_guard lock(m_lock);
    m_handler = handler;
  }

  int run_script(const std::filesystem::path& path, const std::vector<std::string>& args) override {
    const std::string source = read_file(path);
    try {
      std::lock_guard lock(m_lock);
      // As Python's sys.argv: the script, then its arguments.
      nlohmann::json argv = nlohmann::json::array({path.string()});
      for (const auto& a : args) argv.push_back(a);
      m_eval.set_global("argv", message(std::move(argv)));
      m_eval.run(source, path.string());
      return 0;
    } catch (const meta::exit_request& request) {
      std::cout.flush();
      return request.status;
    } catch (const error& e) {
      std::cout.flush();
      std::cerr << e.describe() << std::endl;
      return 1;
    }
  }

  void shutdown() override {
    std::lock_guard lock(m_lock);
    m_eval.clear();
  }

 private:
  /// (exit n) outside a script run (in a REPL, or in a meta function another runtime called) is
  /// the error SystemExit "exit status n": it must not unwind through another runtime's frames as
  /// a foreign C++ exception. The REPL ends with that status.
  template <class F>
  static message exits_as_errors(F&& f) {
    try {
      return f();
    } catch (const meta::exit_request& request) {
      throw exit_error("meta", request.status);
    }
  }

  // One evaluation at a time: the environment is shared. A form that calls another runtime gives
  // it up while it waits, so that another thread may call meta meanwhile (evaluation_lock.hpp).
  meta::evaluation_lock m_lock;
  meta::evaluator m_eval;
  std::string m_handler;
};

}  // namespace

std::unique_ptr<runtime> make_meta_runtime(host& h) { return std::make_unique<meta_runtime>(h); }

}  // namespace promethean::detail
