// One WebSocket connection: reads requests, runs them on the call threads, writes replies in
// order; and, once named, carries the runtimes' calls to the client (client_link).
#pragma once

#include "client_runtime.hpp"
#include "protocol.hpp"
#include "server_state.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace promethean::serve::detail {

/// Lives while its socket is open (held by its pending reads and writes). The socket, the read
/// state and the write queue belong to the I/O thread; send_to_client and replies of finished
/// calls come from any thread and are posted to it.
class ws_session final : public client_link, public std::enable_shared_from_this<ws_session> {
 public:
  ws_session(boost::asio::ip::tcp::socket socket, server_state& state);
  ~ws_session() override;

  /// Completes the upgrade `request` (already checked: token, Origin) and starts reading.
  void start(boost::beast::http::request<boost::beast::http::string_body> request);
  /// Closes the connection (server stop). I/O thread.
  void close();

  std::shared_ptr<pending_call> send_to_client(const std::string& kind, const std::string& function,
                                               const message& args) override;

 private:
  void read();
  void on_read(boost::beast::error_code ec);
  void too_big();
  void on_text(const std::string& text);
  void on_binary(std::shared_ptr<boost::beast::flat_buffer> frame);
  void dispatch(request r);
  void run_call(request r, message args);
  void settle_client_call(const request& r);
  /// Queues frames from any thread; they go out in order, one message's frames together.
  void post(std::vector<frame> frames);
  void queue(std::vector<frame> frames);
  void write_next();
  void end(const std::string& why);
  void reply_error(const nlohmann::json& id, std::exception_ptr e);
  void reply(const nlohmann::json& id, const message& result);

  boost::beast::websocket::stream<boost::beast::tcp_stream> m_ws;
  server_state& m_state;
  std::shared_ptr<boost::beast::flat_buffer> m_read;
  std::deque<frame> m_out;
  bool m_writing = false;
  bool m_ended = false;    // I/O thread
  bool m_closing = false;  // I/O thread: a close frame was sent
  std::map<std::string, buffer> m_received;  // binary frames waiting for their text frame
  std::size_t m_received_bytes = 0;
  std::shared_ptr<client_slot> m_slot;  // the name this client took (hello), or null

  std::atomic<std::uint64_t> m_next_ref{1};
  std::mutex m_calls_mutex;
  std::map<std::string, std::shared_ptr<pending_call>> m_calls;  // the runtimes' calls to this client
  std::uint64_t m_next_call = 1;
  bool m_closed = false;  // guarded by m_calls_mutex: no new call to the client once set
};

}  // namespace promethean::serve::detail
