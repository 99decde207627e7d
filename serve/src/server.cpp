// The server object: wires the listener, the shared state and the I/O loop; stops them in order.
#include <promethean/serve/server.hpp>

#include "listener.hpp"
#include "security.hpp"
#include "server_state.hpp"
#include "ws_session.hpp"

#include <promethean/error.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <utility>

namespace promethean::serve {

namespace asio = boost::asio;

struct server::impl {
  asio::io_context io{1};
  // The work guard keeps run() going while there is nothing to do but wait for connections.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{io.get_executor()};
  std::unique_ptr<detail::server_state> state;
  std::shared_ptr<detail::listener> listen;
  asio::ip::tcp::endpoint endpoint;
  std::atomic<bool> stop_requested{false};
  asio::steady_timer grace{io};
};

namespace {

std::string host_part(const asio::ip::address& a) {
  return a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
}

}  // namespace

server::server(host& h, server_options options) : m_impl(std::make_unique<impl>()) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options.address, ec);
  if (ec) throw usage_error("serve: '" + options.address + "' is not an IP address (e.g. 127.0.0.1)");
  if (!options.static_dir.empty() && !std::filesystem::is_directory(options.static_dir)) {
    throw usage_error("serve: --static " + options.static_dir.string() + " is not a directory");
  }
  if (options.max_message_bytes < 1024) throw usage_error("serve: the message size limit is at least 1024 bytes");
  std::string token = options.token.empty() ? detail::make_token() : options.token;
  m_impl->state = std::make_unique<detail::server_state>(h, std::move(options), m_impl->io);
  auto& state = *m_impl->state;
  state.token = std::move(token);
  m_impl->listen = std::make_shared<detail::listener>(state, asio::ip::tcp::endpoint(address, state.options.port));
  m_impl->endpoint = m_impl->listen->local_endpoint();
  state.allowed_origins.push_back(http_origin());
  if (address.is_loopback()) {
    // The same server reached by name: a page loaded from http://localhost:PORT is its own too.
    state.allowed_origins.push_back("http://localhost:" + std::to_string(port()));
  }
  for (const auto& o : state.options.allowed_origins) state.allowed_origins.push_back(o);
  m_impl->listen->start();
}

server::~server() {
  stop();
  // Replies of calls still running reach the state (and post to the I/O loop): wait for them,
  // then the call threads end before the state they use.
  {
    auto& state = *m_impl->state;
    std::unique_lock lock(state.flight_mutex);
    state.flight_done.wait(lock, [&state] { return state.in_flight == 0; });
  }
  m_impl->state.reset();
}

std::string server::url() const {
  return "ws://" + host_part(m_impl->endpoint.address()) + ":" + std::to_string(port()) + "/?token=" + token();
}

std::string server::http_origin() const {
  return "http://" + host_part(m_impl->endpoint.address()) + ":" + std::to_string(port());
}

const std::string& server::token() const noexcept { return m_impl->state->token; }

std::uint16_t server::port() const noexcept { return m_impl->endpoint.port(); }

void server::run() {
  m_impl->io.run();
}

void server::stop() {
  if (m_impl->stop_requested.exchange(true)) return;
  asio::post(m_impl->io, [this] {
    auto& state = *m_impl->state;
    state.stopping = true;
    m_impl->listen->close();
    bool any = false;
    for (auto& weak : state.sessions) {
      if (auto session = weak.lock()) {
        session->close();
        any = true;
      }
    }
    state.sessions.clear();
    m_impl->work.reset();
    if (!any) return m_impl->io.stop();
    // Clients get a moment to answer the close frame; then run() returns whatever is left.
    m_impl->grace.expires_after(std::chrono::seconds(2));
    m_impl->grace.async_wait([this](boost::system::error_code) { m_impl->io.stop(); });
  });
}

}  // namespace promethean::serve
