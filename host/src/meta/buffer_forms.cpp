// The meta language's buffer forms: (register-buffer-type …) and buffer.create, buffer.shape,
// buffer.info, buffer.view.
#include "evaluator.hpp"

#include "forms.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include <map>
#include <optional>

namespace promethean::meta {

using namespace detail;

namespace {
buffer buffer_arg(const message& m, const node& at, const char* form) {
  if (auto b = seen_through(m).as_buffer()) return *b;
  fail(at, "TypeError", std::string("(") + form + " …) needs a buffer, got " + m.dump().substr(0, 200));
}
}  // namespace

void evaluator::install_buffer_forms() {
  // (register-buffer-type "ImageRGB" :layout [height width channels] :format "uint8" :channels 3)
  m_specials["register-buffer-type"] = [this](const node& n, const env_ptr& e) -> message {
    if (n.items.size() < 2) fail(n, "SyntaxError", "(register-buffer-type name :layout [dims…] :format f)");
    message name = eval(n.items[1], e);
    if (!name.value().is_string()) fail(n.items[1], "TypeError", "a buffer type's name is a string");
    std::vector<std::string> layout;
    std::optional<std::string> format;
    std::map<std::string, std::size_t> fixed;
    for (std::size_t i = 2; i + 1 < n.items.size() + 1; i += 2) {
      const node& k = n.items[i];
      if (k.type != node::kind::keyword || i + 1 >= n.items.size()) {
        fail(k, "SyntaxError", "expected :layout, :format or :<dimension> followed by a value, got " + k.show());
      }
      const node& v = n.items[i + 1];
      if (k.text == "layout") {
        if (v.type != node::kind::array && v.type != node::kind::list) fail(v, "SyntaxError", ":layout is [name …]");
        for (const auto& d : v.items) {
          if (d.type != node::kind::symbol && d.type != node::kind::string && d.type != node::kind::keyword) {
            fail(d, "SyntaxError", "a dimension is a name, got " + d.show());
          }
          layout.push_back(d.text);
        }
      } else if (k.text == "format") {
        message f = eval(v, e);
        if (!f.value().is_string()) fail(v, "TypeError", ":format is a string like \"uint8\"");
        format = f.value().get<std::string>();
      } else {
        message size = eval(v, e);
        if (!size.value().is_number_integer() || size.value().get<std::int64_t>() < 0) {
          fail(v, "TypeError", "the size of dimension " + k.text + " must be a non-negative integer");
        }
        fixed[k.text] = size.value().get<std::size_t>();
      }
    }
    auto type = buffer_type::make(name.value().get<std::string>(), layout,
                                  format ? std::optional<std::string_view>(*format) : std::nullopt, fixed);
    m_host.buffer_types().add(type);
    return message(type.to_json());
  };
  m_builtins["buffer.shape"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 1, n, "buffer.shape");
    return message(nlohmann::json(buffer_arg(args[0], n, "buffer.shape").shape()));
  };
  m_builtins["buffer.info"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 1, n, "buffer.info");
    return message(buffer_info_json(buffer_arg(args[0], n, "buffer.info")));
  };
  m_builtins["buffer.view"] = [this](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 2, n, "buffer.view");
    if (!args[1].value().is_string()) fail(n, "TypeError", "(buffer.view b \"name\"): the view's name is a string");
    const buffer b = buffer_arg(args[0], n, "buffer.view");
    return outside_lock([&] { return m_host.view(b, args[1].value().get<std::string>()); });
  };
  // (buffer.create "ImageRGB" :height 4 :width 6) or (buffer.create "float32" :rows 2 :cols 3)
  m_builtins["buffer.create"] = [this](std::vector<message>& args, const node& n) -> message {
    if (args.empty() || !args[0].value().is_string() || args.size() % 2 != 1) {
      fail(n, "SyntaxError", "(buffer.create type-or-format :dimension size …)");
    }
    const std::string what = args[0].value().get<std::string>();
    std::vector<std::pair<std::string, std::size_t>> dims;
    for (std::size_t i = 1; i < args.size(); i += 2) {
      const std::string key = key_of(args[i], n);
      if (!args[i + 1].value().is_number_integer() || args[i + 1].value().get<std::int64_t>() < 0) {
        fail(n, "TypeError", "the size of " + key + " must be a non-negative integer");
      }
      dims.emplace_back(key, args[i + 1].value().get<std::size_t>());
    }
    if (auto type = m_host.buffer_types().find(what)) {
      std::map<std::string, std::size_t> sizes(dims.begin(), dims.end());
      return message::of(m_host.buffer_types().create(what, sizes));
    }
    if (auto format = dtype_from_name(what)) {
      shape_t shape;
      for (const auto& [k, size] : dims) shape.push_back(size);
      return message::of(buffer::allocate(*format, shape));
    }
    fail(n, "TypeError", "'" + what + "' is neither a registered buffer type nor a dtype");
  };
}

}  // namespace promethean::meta
