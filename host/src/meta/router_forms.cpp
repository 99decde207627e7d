// The meta language's router forms: what reaches another runtime through the Host (eval-in, call,
// send-json, receive-json, marshal, load, MetaObject) and (py:fn …), (js:fn …), (sh:fn …).
#include "evaluator.hpp"

#include "forms.hpp"
#include "render.hpp"

#include <promethean/error.hpp>
#include <promethean/host/deadline.hpp>
#include <promethean/host/host.hpp>
#include <promethean/host/json_text.hpp>
#include <promethean/host/keyword_arguments.hpp>
#include <promethean/host/meta_object.hpp>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>

namespace promethean::meta {

using namespace detail;

namespace detail {
/// `:timeout seconds` ending a router form (`(call rt fn args… :timeout 2)`, `(eval-in rt code
/// :timeout 2)`): taken off `args` and returned as call options, which also carry what is left of
/// the deadline of a call this one runs inside. Only a keyword written in the form counts, not a
/// string ":timeout" that an argument evaluated to.
namespace {
/// The value of `:timeout value` (written at `at`) as a time limit.
std::chrono::milliseconds timeout_of(const message& value, const node& at) {
  const nlohmann::json& v = value.value();
  if (!v.is_number() || !(v.get<double>() > 0) || v.get<double>() > 1e9) {
    fail(at, "TypeError", ":timeout is a positive number of seconds, got " + v.dump());
  }
  return std::chrono::milliseconds(static_cast<long long>(std::ceil(v.get<double>() * 1000)));
}
}  // namespace

call_options router_options(std::vector<message>& args, const node& n) {
  call_options options;
  if (n.items.size() >= 3 && args.size() + 1 == n.items.size()) {
    const node& key = n.items[n.items.size() - 2];
    if (key.type == node::kind::keyword && key.text == "timeout") {
      options.timeout = timeout_of(args.back(), n.items.back());
      args.erase(args.end() - 2, args.end());
    }
  }
  return inherit_deadline(std::move(options));
}

routed_call router_call(std::vector<message>& args, const node& n, const char* usage) {
  if (args.size() < 2 || !args[1].value().is_string()) fail(n, "ArityError", usage);
  routed_call call;
  call.runtime = runtime_name(args[0], n);
  call.function = args[1].value().get<std::string>();
  // args[i] is the value of the form's item i + 1, which says whether it was written as a keyword.
  const bool as_written = args.size() + 1 == n.items.size();
  std::vector<message> positional;
  std::map<std::string, message> keywords;  // in key order: the marker's walk order (message.hpp)
  for (std::size_t i = 2; i < args.size(); ++i) {
    const node& at = as_written ? n.items[i + 1] : n;
    if (as_written && at.type == node::kind::keyword) {
      if (i + 1 == args.size()) fail(at, "SyntaxError", ":" + at.text + " needs a value after it");
      if (at.text == "timeout") {
        call.options.timeout = timeout_of(args[i + 1], n.items[i + 2]);
      } else if (!keywords.emplace(at.text, std::move(args[i + 1])).second) {
        fail(at, "SyntaxError", "keyword argument :" + at.text + " given twice");
      }
      ++i;
      continue;
    }
    if (!keywords.empty()) {
      fail(at, "SyntaxError", "a positional argument after keyword arguments (write :name value pairs last)");
    }
    positional.push_back(std::move(args[i]));
  }
  nlohmann::json all = nlohmann::json::array();
  std::vector<const message*> parts;  // in walk order: the positional ones, then the keywords'
  for (const message& m : positional) {
    all.push_back(m.value());
    parts.push_back(&m);
  }
  if (!keywords.empty()) {
    nlohmann::json values = nlohmann::json::object();
    for (const auto& [name, value] : keywords) {
      values[name] = value.value();
      parts.push_back(&value);
    }
    all.push_back(keyword_arguments::marker(std::move(values)));
  }
  call.arguments = combine(std::move(all), parts);
  call.options = inherit_deadline(std::move(call.options));
  return call;
}

std::string runtime_name(const message& m, const node& n) {
  if (!m.value().is_string()) fail(n, "TypeError", "a runtime is named by a string (\"py\", \"js\", \"rust\", \"sh\")");
  return m.value().get<std::string>();
}
}  // namespace detail

void evaluator::install_router_forms() {
  // (py:fn name (params) body): defines `name` in that runtime and binds a meta proxy that routes
  // calls to it. The body is the target language's source text, or (py, js) a simple
  // s-expression rendered into it.
  for (const char* rt : {"py", "js", "sh"}) {
    const std::string runtime = rt;
    m_specials[runtime + ":fn"] = [this, runtime](const node& n, const env_ptr& e) -> message {
      if (n.items.size() != 4 || n.items[1].type != node::kind::symbol ||
          (n.items[2].type != node::kind::list && n.items[2].type != node::kind::array)) {
        fail(n, "SyntaxError", "(" + runtime + ":fn name (params) body), got " + n.show());
      }
      const std::string& name = n.items[1].text;
      function_definition d{name, {}, {}};
      std::set<std::string> params;
      for (const auto& p : n.items[2].items) {
        if (p.type != node::kind::symbol) fail(p, "SyntaxError", "a parameter must be a name, got " + p.show());
        d.params.push_back(p.text);
        params.insert(p.text);
      }
      const node& body = n.items[3];
      if (body.type == node::kind::string) {
        d.body = body.text;
      } else if (runtime == "sh") {
        fail(body, "SyntaxError", "an sh:fn body is shell source text, a string");
      } else {
        d.body = render(body, runtime == "py" ? target_language::python : target_language::javascript, params);
      }
      outside_lock([&] {
        m_host.define(runtime, d);
        return 0;
      });
      // The proxy: (fn (params) (call "<runtime>" "<name>" params…)).
      node call_form{node::kind::list};
      call_form.where = n.where;
      auto leaf = [&](node::kind k, const std::string& text) {
        node x{k};
        x.text = text;
        x.where = n.where;
        return x;
      };
      call_form.items.push_back(leaf(node::kind::symbol, "call"));
      call_form.items.push_back(leaf(node::kind::string, runtime));
      call_form.items.push_back(leaf(node::kind::string, name));
      for (const auto& p : d.params) call_form.items.push_back(leaf(node::kind::symbol, p));
      message proxy = make_function(name, n.items[2], {call_form}, e, n);
      e->vars[name] = proxy;
      return proxy;
    };
  }
  m_builtins["eval-in"] = [this](std::vector<message>& args, const node& n) -> message {
    const call_options options = router_options(args, n);
    check_arity(args, 2, n, "eval-in");
    if (!args[1].value().is_string()) fail(n, "TypeError", "(eval-in runtime code): the code is a string");
    const std::string runtime = runtime_name(args[0], n);
    meta_object result = outside_lock([&] { return m_host.eval(runtime, args[1].value().get<std::string>(), options); });
    return combine(result.to_json(), {&result.data});
  };
  m_builtins["MetaObject"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 2, n, "MetaObject");
    meta_object m{runtime_name(args[0], n), args[1]};
    return combine(m.to_json(), {&args[1]});
  };
  m_builtins["call"] = [this](std::vector<message>& args, const node& n) -> message {
    const routed_call c = router_call(args, n, "(call runtime \"function\" args… [:name value…] [:timeout seconds])");
    return outside_lock([&] { return m_host.call(c.runtime, c.function, c.arguments, c.options); });
  };
  // (marshal "py" value): the value as a literal of that runtime's language (its `marshal` entry).
  m_builtins["marshal"] = [this](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 2, n, "marshal");
    return message(nlohmann::json(m_host.marshal(runtime_name(args[0], n), args[1].value())));
  };
  m_builtins["send-json"] = [this](std::vector<message>& args, const node& n) -> message {
    const call_options options = router_options(args, n);
    check_arity(args, 2, n, "send-json");
    const std::string runtime = runtime_name(args[0], n);
    return outside_lock([&] { return m_host.send_json(runtime, args[1], options); });
  };
  // (receive-json rt text): JSON text received from rt, as a MetaObject of that source. A value
  // already parsed is taken as it is, as the seed writes (receive-json "py" (MetaObject "py" data)):
  // a MetaObject stays itself (it names its source), any other value is wrapped.
  m_builtins["receive-json"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 2, n, "receive-json");
    const std::string runtime = runtime_name(args[0], n);
    if (meta_object::is_meta_object(args[1].value())) return args[1];
    if (!args[1].value().is_string()) return combine(meta_object{runtime, args[1]}.to_json(), {&args[1]});
    nlohmann::json parsed;
    try {
      parsed = parse_json_text(args[1].value().get<std::string>());
    } catch (const nlohmann::json::parse_error& e) {
      fail(n, "JSONError", "the JSON received from " + runtime_name(args[0], n) + " is not JSON: " + e.what());
    }
    return message(meta_object{runtime_name(args[0], n), message(parsed)}.to_json());
  };
  m_builtins["load"] = [this](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 2, n, "load");
    if (!args[1].value().is_string()) fail(n, "TypeError", "(load runtime path): the path is a string");
    std::filesystem::path path = args[1].value().get<std::string>();
    // A relative path is relative to the script, not to wherever the host was started; a name
    // that is no file beside the script goes to the runtime as it is ("imageops": a plugin name).
    if (path.is_relative() && !n.where.file.empty() && n.where.file[0] != '<') {
      const auto beside = std::filesystem::path(n.where.file).parent_path() / path;
      std::error_code ec;
      if (std::filesystem::exists(beside, ec) || path.has_parent_path()) path = beside;
    }
    const std::string runtime = runtime_name(args[0], n);
    outside_lock([&] {
      m_host.load(runtime, path);
      return 0;
    });
    return message();
  };
}

}  // namespace promethean::meta
