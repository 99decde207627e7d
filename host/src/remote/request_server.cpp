// What one process does with the requests of another (request_server.hpp).
#include "request_server.hpp"

#include "../thread_exit.hpp"

#include <promethean/buffer/buffer_type.hpp>
#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>
#include <promethean/host/deadline.hpp>

#include <chrono>

namespace promethean::detail {

nlohmann::json options_to_json(const call_options& options) {
  nlohmann::json o = nlohmann::json::object();
  // The time left, not the timeout: a nested call carries what is left of its caller's.
  if (auto when = deadline_for(options)) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(*when - watchdog::clock::now());
    o["timeout_ms"] = std::max<std::int64_t>(1, left.count());
  }
  if (!options.source_name.empty()) o["source"] = options.source_name;
  if (options.first_line != 1) o["line"] = options.first_line;
  if (options.cancel_signal) o["cancel_signal"] = true;
  return o;
}

call_options options_from_json(const nlohmann::json& head) {
  call_options options;
  auto o = head.find("opts");
  if (o == head.end() || !o->is_object()) return options;
  if (auto t = o->find("timeout_ms"); t != o->end()) options.timeout = std::chrono::milliseconds(t->get<std::int64_t>());
  options.source_name = o->value("source", std::string());
  options.first_line = o->value("line", 1);
  options.cancel_signal = o->value("cancel_signal", false);
  return options;
}

namespace {
/// serve_request's work; throws what it cannot serve.
std::shared_ptr<pending_call> serve(host& h, crossing_tables& tables, const nlohmann::json& head, const message& payload) {
  try {
    const std::string op = head.at("op").get<std::string>();
    const call_options options = options_from_json(head);
    // A call of a function this process lent: by its token, to the runtime that made it.
    if (auto token = head.find("tok"); token != head.end()) {
      function_ref f = tables.exported_function(token->get<std::string>());
      if (!f) throw usage_error("a function lent to another process was called after it was let go");
      if (op == "acall") return h.call_async(f->runtime(), f->id(), payload, options);
      return pending_call::ready(h.call(f->runtime(), f->id(), payload, options));
    }
    // A worker's runtime registered a buffer type or a view (worker.cpp): this host learns it too.
    if (op == "buffer_type") {
      auto t = h.buffer_types().find(head.at("name").get<std::string>());
      return pending_call::ready(message(t ? t->to_json() : nlohmann::json()));
    }
    if (op == "register_type") {
      h.buffer_types().add(buffer_type::from_json(head.at("type")));
      return pending_call::ready(message());
    }
    const std::string rt = head.at("rt").get<std::string>();
    if (op == "register_view") {
      h.register_view(head.at("type").get<std::string>(), head.at("name").get<std::string>(), rt,
                      head.at("fn").get<std::string>());
      return pending_call::ready(message());
    }
    if (op == "call") return pending_call::ready(h.call(rt, head.at("fn").get<std::string>(), payload, options));
    if (op == "acall") return h.call_async(rt, head.at("fn").get<std::string>(), payload, options);
    if (op == "eval") return pending_call::ready(h.eval(rt, head.at("code").get<std::string>(), options).data);
    if (op == "aeval") return h.eval_async(rt, head.at("code").get<std::string>(), options);
    if (op == "send_json") return pending_call::ready(h.send_json(rt, payload, options));
    if (op == "define") {
      h.define(rt, function_definition{head.at("name").get<std::string>(), head.at("params").get<std::vector<std::string>>(),
                                       head.at("body").get<std::string>()});
      return pending_call::ready(message());
    }
    if (op == "load") {
      h.load(rt, head.at("path").get<std::string>());
      return pending_call::ready(message());
    }
    if (op == "handler") {
      h.set_message_handler(rt, head.at("handler").get<std::string>());
      return pending_call::ready(message());
    }
    if (op == "marshal") return pending_call::ready(message(nlohmann::json(h.marshal(rt, head.at("value")))));
    if (op == "describe") {
      nlohmann::json d = h.get(rt).describe();
      // The serving process's own buffers: how a test sees a worker let go of what it was lent.
      const auto counts = ledger::instance().counts();
      d["ledger"] = {{"live_blocks", counts.live_blocks}, {"live_buffers", counts.live_buffers}};
      return pending_call::ready(message(std::move(d)));
    }
    if (op == "run_script") {
      const int status = h.run_script(head.at("path").get<std::string>(), head.at("args").get<std::vector<std::string>>());
      return pending_call::ready(message(nlohmann::json(status)));
    }
    throw usage_error("another process asked for '" + op + "', which this one does not know");
  } catch (const nlohmann::json::exception& e) {
    throw message_error(std::string("a request from another process is malformed: ") + e.what());
  }
}
}  // namespace

std::shared_ptr<pending_call> serve_request(host& h, crossing_tables& tables, const nlohmann::json& head,
                                            const message& payload) {
  return call_letting_thread_exit_through([&] { return serve(h, tables, head, payload); },
                                          [](std::exception_ptr e) { return pending_call::failed(std::move(e)); });
}

}  // namespace promethean::detail
