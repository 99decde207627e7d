// A runtime that lives in another process, reached over a peer_link (link_runtime.hpp).
#include "link_runtime.hpp"

#include "request_server.hpp"

#include <promethean/error.hpp>

namespace promethean::detail {

nlohmann::json link_runtime::head(const char* op, const call_options* options) const {
  nlohmann::json h = {{"op", op}, {"rt", target()}};
  if (options) {
    auto o = options_to_json(*options);
    if (!o.empty()) h["opts"] = std::move(o);
  }
  return h;
}

message link_runtime::run(nlohmann::json h, const message& payload) const {
  const std::shared_ptr<peer_link> l = link();
  auto pending = run_async(l, std::move(h), payload);
  l->watch_for(*pending);  // the reply read on this thread when it comes quickly
  auto outcome = pending->wait();
  return std::move(*outcome).take();
}

std::shared_ptr<pending_call> link_runtime::run_async(nlohmann::json h, const message& payload) const {
  std::shared_ptr<peer_link> l;
  try {
    l = link();
  } catch (...) {
    return pending_call::failed(std::current_exception());
  }
  return run_async(l, std::move(h), payload);
}

std::shared_ptr<pending_call> link_runtime::run_async(const std::shared_ptr<peer_link>& l, nlohmann::json h,
                                                      const message& payload) const {
  auto sent = l->request(std::move(h), payload);
  auto result = pending_call::make();
  // The reply's error, said where it came from; the link kept alive until the reply is in.
  sent->then([this, l, result](pending_call::outcome o) {
    if (o.error) {
      result->fail(in_context(o.error));
    } else {
      result->complete(std::move(o.value));
    }
  });
  result->on_cancel([sent] { sent->cancel(); });
  return result;
}

std::string link_runtime::version() const { return describe().value("version", std::string()); }

nlohmann::json link_runtime::describe() const { return run(head("describe"), message()).value(); }

message link_runtime::eval(std::string_view code, const call_options& options) {
  auto h = head("eval", &options);
  h["code"] = code;
  return run(std::move(h), message());
}

message link_runtime::call(std::string_view function, const message& args, const call_options& options) {
  auto h = head("call", &options);
  if (auto l = current_link(); l && function.starts_with('f')) {
    if (auto token = l->tables().function_token(function); !token.empty()) h["tok"] = token;
  }
  if (!h.contains("tok")) h["fn"] = function;
  return run(std::move(h), args);
}

std::shared_ptr<pending_call> link_runtime::call_async(std::string_view function, const message& args,
                                                       const call_options& options) {
  auto h = head("acall", &options);
  if (auto l = current_link(); l && function.starts_with('f')) {
    if (auto token = l->tables().function_token(function); !token.empty()) h["tok"] = token;
  }
  if (!h.contains("tok")) h["fn"] = function;
  return run_async(std::move(h), args);
}

std::shared_ptr<pending_call> link_runtime::eval_async(std::string_view code, const call_options& options) {
  auto h = head("aeval", &options);
  h["code"] = code;
  return run_async(std::move(h), message());
}

void link_runtime::define(const function_definition& d) {
  auto h = head("define");
  h["name"] = d.name;
  h["params"] = d.params;
  h["body"] = d.body;
  run(std::move(h), message());
}

void link_runtime::load(const std::filesystem::path& path) {
  auto h = head("load");
  std::error_code ec;
  auto absolute = std::filesystem::absolute(path, ec);
  h["path"] = (ec ? path : absolute).string();
  run(std::move(h), message());
}

std::string link_runtime::marshal(const nlohmann::json& value) const {
  auto h = head("marshal");
  h["value"] = value;
  return run(std::move(h), message()).value().get<std::string>();
}

message link_runtime::send_json(const message& payload, const call_options& options) {
  return run(head("send_json", &options), payload);
}

void link_runtime::set_message_handler(std::string_view handler) {
  auto h = head("handler");
  h["handler"] = handler;
  run(std::move(h), message());
}

int link_runtime::run_script(const std::filesystem::path& path, const std::vector<std::string>& args) {
  auto h = head("run_script");
  std::error_code ec;
  auto absolute = std::filesystem::absolute(path, ec);
  h["path"] = (ec ? path : absolute).string();
  h["args"] = args;
  return run(std::move(h), message()).value().get<int>();
}

void link_runtime::cancel_calls() {
  if (auto l = current_link(); l && !l->lost()) {
    try {
      l->notify({{"k", "cancel"}});
    } catch (const std::exception&) {
      // Gone meanwhile: nothing runs there to cancel.
    }
  }
}

}  // namespace promethean::detail
