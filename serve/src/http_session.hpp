// One plain HTTP connection: serves the client module and static files, or, for an upgrade
// request that passes the token and Origin checks, hands the socket to a WebSocket session.
#pragma once

#include "server_state.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <memory>
#include <optional>

namespace promethean::serve::detail {

class http_session : public std::enable_shared_from_this<http_session> {
 public:
  http_session(boost::asio::ip::tcp::socket socket, server_state& state);
  void start();

 private:
  void read();
  void on_read(boost::beast::error_code ec);
  void upgrade();
  void answer_get();
  template <class Response>
  void send(Response&& response);
  void refuse(boost::beast::http::status status, const std::string& why);

  boost::beast::tcp_stream m_stream;
  server_state& m_state;
  boost::beast::flat_buffer m_buffer;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> m_parser;
};

}  // namespace promethean::serve::detail
