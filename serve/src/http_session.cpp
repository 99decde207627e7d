// Plain HTTP on the server's port: files for a page, and the gate (token, Origin) of the upgrade.
#include "http_session.hpp"

#include "security.hpp"
#include "static_files.hpp"
#include "ws_session.hpp"

#include <promethean/config.hpp>

#include <boost/beast/websocket/rfc6455.hpp>

#include <chrono>
#include <memory>
#include <utility>

namespace promethean::serve::detail {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {
constexpr std::size_t k_max_request_body = 64 * 1024;  // GETs and upgrades carry no body worth more
}

http_session::http_session(boost::asio::ip::tcp::socket socket, server_state& state)
    : m_stream(std::move(socket)), m_state(state) {}

void http_session::start() { read(); }

void http_session::read() {
  m_parser.emplace();
  m_parser->body_limit(k_max_request_body);
  m_stream.expires_after(std::chrono::seconds(30));
  http::async_read(m_stream, m_buffer, *m_parser,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

void http_session::on_read(beast::error_code ec) {
  if (ec) return;  // closed, timed out, or not HTTP: nothing to answer
  if (beast::websocket::is_upgrade(m_parser->get())) return upgrade();
  answer_get();
}

void http_session::upgrade() {
  const auto& req = m_parser->get();
  const std::string token = token_of(req.target(), req[http::field::authorization]);
  if (token.empty()) {
    return refuse(http::status::unauthorized,
                  "promethean serve: the WebSocket needs the token (?token=… in the URL the server printed, or an "
                  "'Authorization: token …' header)\n");
  }
  if (!constant_time_equal(token, m_state.token)) {
    return refuse(http::status::forbidden, "promethean serve: wrong token\n");
  }
  const auto origin = req.find(http::field::origin);
  const bool has_origin = origin != req.end();
  if (!origin_allowed(has_origin ? origin->value() : beast::string_view(), has_origin, m_state.allowed_origins)) {
    return refuse(http::status::forbidden,
                  "promethean serve: origin '" + std::string(origin->value()) +
                      "' is not allowed (the server's own is " + m_state.allowed_origins.front() +
                      "; start it with --allow-origin ORIGIN to allow another)\n");
  }
  m_stream.expires_never();
  auto session = std::make_shared<ws_session>(m_stream.release_socket(), m_state);
  session->start(m_parser->release());
}

void http_session::answer_get() {
  const auto& req = m_parser->get();
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    return refuse(http::status::method_not_allowed, "promethean serve: only GET (and WebSocket upgrades)\n");
  }
  const std::string path = path_of(req.target());
  std::optional<std::filesystem::path> file;
  if (path == k_client_module_path && !m_state.options.client_module.empty()) {
    file = m_state.options.client_module;
  } else {
    file = static_file(m_state.options.static_dir, path);
  }
  if (!file) {
    if (path == "/" && m_state.options.static_dir.empty()) {
      return refuse(http::status::not_found,
                    "promethean serve: connect a WebSocket to this address with ?token=…; the client module is at " +
                        std::string(k_client_module_path) + "\n");
    }
    return refuse(http::status::not_found, "promethean serve: no such file: " + path + "\n");
  }
  http::file_body::value_type body;
  beast::error_code ec;
  body.open(file->c_str(), beast::file_mode::scan, ec);
  if (ec) return refuse(http::status::not_found, "promethean serve: cannot read " + path + "\n");
  const auto size = body.size();
  http::response<http::file_body> res{std::piecewise_construct, std::make_tuple(std::move(body)),
                                      std::make_tuple(http::status::ok, req.version())};
  res.set(http::field::server, std::string("promethean/") + PROMETHEAN_VERSION_STRING);
  res.set(http::field::content_type, content_type(*file));
  res.set(http::field::cache_control, "no-store");
  res.content_length(size);
  res.keep_alive(req.keep_alive());
  if (req.method() == http::verb::head) {
    http::response<http::empty_body> head{http::status::ok, req.version()};
    head.base() = res.base();
    head.content_length(size);
    return send(std::move(head));
  }
  send(std::move(res));
}

void http_session::refuse(http::status status, const std::string& why) {
  http::response<http::string_body> res{status, m_parser->get().version()};
  res.set(http::field::server, std::string("promethean/") + PROMETHEAN_VERSION_STRING);
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.keep_alive(false);
  res.body() = why;
  res.prepare_payload();
  send(std::move(res));
}

template <class Response>
void http_session::send(Response&& response) {
  auto res = std::make_shared<std::decay_t<Response>>(std::forward<Response>(response));
  http::async_write(m_stream, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
    if (ec || !res->keep_alive()) {
      beast::error_code ignored;
      self->m_stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
      return;
    }
    self->read();
  });
}

}  // namespace promethean::serve::detail
