// Accepts the server's connections; each starts as plain HTTP (an upgrade may follow).
#include "listener.hpp"

#include "http_session.hpp"

#include <promethean/error.hpp>

#include <boost/asio/socket_base.hpp>

namespace promethean::serve::detail {

namespace asio = boost::asio;

listener::listener(server_state& state, const asio::ip::tcp::endpoint& endpoint)
    : m_state(state), m_acceptor(state.io) {
  boost::system::error_code ec;
  const std::string where = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  m_acceptor.open(endpoint.protocol(), ec);
  if (!ec) m_acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) m_acceptor.bind(endpoint, ec);
  if (!ec) m_acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw usage_error("serve: cannot listen on " + where + ": " + ec.message());
}

void listener::start() { accept(); }

void listener::close() {
  boost::system::error_code ignored;
  m_acceptor.close(ignored);
}

void listener::accept() {
  m_acceptor.async_accept([self = shared_from_this()](boost::system::error_code ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !self->m_acceptor.is_open()) return;
    if (!ec) {
      boost::system::error_code ignored;
      socket.set_option(asio::ip::tcp::no_delay(true), ignored);  // a call's reply is small and latency-bound
      std::make_shared<http_session>(std::move(socket), self->m_state)->start();
    }
    self->accept();
  });
}

}  // namespace promethean::serve::detail
