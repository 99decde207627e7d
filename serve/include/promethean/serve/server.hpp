/// `promethean serve`: a Host's router over WebSocket (docs/SERVE.md has the protocol and the
/// security model).
///
/// One server per host. It listens (loopback unless told otherwise), answers plain HTTP on the
/// same port with the client module and, when given, a directory of static files, and upgrades a
/// request to WebSocket only when it carries the token and an acceptable Origin. Each connection
/// may call, evaluate and send messages to the host's runtimes, and may name itself (`hello`) and
/// `export` functions, which the runtimes then call under that name like any runtime.
///
/// Threads: one I/O thread runs every socket (`run`); runtime calls never run on it, they run on
/// the server's call threads and post their replies back. `stop` may be called from any thread
/// (a signal watcher's). Ownership: the host must outlive the server.
#pragma once

#include <promethean/host/host.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace promethean::serve {

struct server_options {
  /// The address to listen on. Loopback by default: any other address lets whoever reaches it
  /// (with the token) run code in this process (docs/SERVE.md: expose it behind a TLS proxy).
  std::string address = "127.0.0.1";
  /// 0 picks a free port; url() says which.
  std::uint16_t port = 0;
  /// The token the WebSocket upgrade must carry; empty makes a random one (192 bits from
  /// getrandom).
  std::string token;
  /// Browser origins allowed besides the server's own (`http://127.0.0.1:PORT`), exactly as a
  /// browser sends them (`https://example.org`). A request without Origin (not a browser) needs
  /// only the token.
  std::vector<std::string> allowed_origins;
  /// The largest WebSocket message accepted, in bytes (a binary frame's header and data included).
  /// A larger one closes that connection with 1009; the host and the other connections go on.
  std::size_t max_message_bytes = std::size_t{256} << 20;
  /// A directory served over plain HTTP (GET only), for a page that uses the client; empty: none.
  std::filesystem::path static_dir;
  /// The client module served at /promethean-client.mjs; empty: not served.
  std::filesystem::path client_module;
  /// Threads that run runtime calls for the connections (more start while all are busy, up to
  /// this many; a call past it waits in a queue).
  std::size_t max_call_threads = 64;
};

class server {
 public:
  /// Binds and listens at once (an address in use is an error here, not later). Throws
  /// promethean::usage_error for a bad address or port, a missing static directory.
  server(host& h, server_options options);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// `ws://ADDRESS:PORT/?token=TOKEN`: what a client connects to (the port the system chose).
  std::string url() const;
  /// `http://ADDRESS:PORT`: the server's own origin, where the client module and static files are.
  std::string http_origin() const;
  const std::string& token() const noexcept;
  std::uint16_t port() const noexcept;

  /// Runs the I/O on this thread until stop(); then closes every connection, fails the calls the
  /// runtimes made to clients ("Disconnected") and waits for the call threads.
  void run();
  /// Makes run() return. Any thread; idempotent.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> m_impl;
};

}  // namespace promethean::serve
