// The listening socket: accepts connections and gives each to an HTTP session.
#pragma once

#include "server_state.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace promethean::serve::detail {

class listener : public std::enable_shared_from_this<listener> {
 public:
  /// Binds and listens now (so that a port in use is an error at once). Throws usage_error.
  listener(server_state& state, const boost::asio::ip::tcp::endpoint& endpoint);
  void start();
  /// Stops accepting. I/O thread.
  void close();
  boost::asio::ip::tcp::endpoint local_endpoint() const { return m_acceptor.local_endpoint(); }

 private:
  void accept();
  server_state& m_state;
  boost::asio::ip::tcp::acceptor m_acceptor;
};

}  // namespace promethean::serve::detail
