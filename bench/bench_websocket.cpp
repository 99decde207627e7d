// `promethean serve` measured (issue 25 item 6): a call round trip over WebSocket and a 64 MiB
// buffer sent and echoed back, each beside a plain Node `ws` echo server doing only the transport,
// driven by the same C++ client (Boost.Beast) in the same run.
#include "bench_host.hpp"
#include "child_process.hpp"
#include "registry.hpp"

#include <promethean/serve/server.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <map>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

namespace promethean::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;


// The baseline: the transport alone, what any WebSocket endpoint costs before it does any work.
constexpr const char* k_echo_server = R"(
const WebSocket = require(require('path').join(process.argv[1], 'ws'));
const wss = new WebSocket.Server({ host: '127.0.0.1', port: 0, maxPayload: 1 << 30 });
wss.on('listening', () => console.log(wss.address().port));
wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
)";

/// Where the `ws` package is: NODE_PATH's folders, then the one the serve tests install
/// (ctest's serve.install_npm); empty when none has it.
std::string ws_folder() {
  std::vector<std::string> folders;
  if (const char* np = std::getenv("NODE_PATH")) {
    std::stringstream in(np);
    for (std::string f; std::getline(in, f, ':');) folders.push_back(f);
  }
  folders.emplace_back(PM_SERVE_NPM_MODULES);
  for (const auto& f : folders) {
    if (!f.empty() && std::filesystem::exists(std::filesystem::path(f) / "ws" / "package.json")) return f;
  }
  return {};
}

/// A synchronous WebSocket client: the same code drives both servers.
class ws_client {
 public:
  ws_client(std::uint16_t port, const std::string& target) : m_ws(m_io) {
    asio::ip::tcp::endpoint at(asio::ip::make_address("127.0.0.1"), port);
    m_ws.next_layer().connect(at);
    m_ws.next_layer().set_option(asio::ip::tcp::no_delay(true));
    m_ws.read_message_max(0);
    m_ws.handshake("127.0.0.1:" + std::to_string(port), target);
  }
  ~ws_client() {
    beast::error_code ignored;
    m_ws.close(websocket::close_code::normal, ignored);
  }
  void text(const std::string& t) {
    m_ws.text(true);
    m_ws.write(asio::buffer(t));
  }
  void binary(const std::string& header, const std::byte* data, std::size_t n) {
    m_ws.binary(true);
    const std::array<asio::const_buffer, 2> parts{asio::buffer(header), asio::buffer(data, n)};
    m_ws.write(parts);
  }
  /// The next message; `binary` tells which kind it was.
  beast::flat_buffer& read(bool& binary) {
    m_in.clear();
    m_ws.read(m_in);
    binary = m_ws.got_binary();
    return m_in;
  }

 private:
  asio::io_context m_io;
  websocket::stream<asio::ip::tcp::socket> m_ws;
  beast::flat_buffer m_in;
};

/// The Node echo server, one child for the whole run (starting node costs a quarter second).
std::uint16_t echo_port(benchmark::State& st) {
  static std::unique_ptr<child_process> child;
  static std::uint16_t port = 0;
  if (!child) {
    const std::string folder = ws_folder();
    if (folder.empty()) {
      fail(st, "the npm package ws is not installed (ctest -R serve.install_npm installs it in the build; or "
               "npm install ws and set NODE_PATH)");
      return 0;
    }
    child = std::make_unique<child_process>(std::vector<std::string>{"/usr/bin/node", "-e", k_echo_server, folder});
    port = static_cast<std::uint16_t>(std::stoi(child->read_line()));
  }
  return port;
}

/// A serve::server over the benchmarks' host, on an I/O thread of its own, for one benchmark.
class running_server {
 public:
  running_server() {
    serve::server_options o;
    o.max_message_bytes = std::size_t{1} << 30;
    m_server = std::make_unique<serve::server>(the_host(), o);
    m_thread = std::thread([this] { m_server->run(); });
  }
  ~running_server() {
    m_server->stop();
    m_thread.join();
  }
  std::uint16_t port() const { return m_server->port(); }
  std::string target() const { return "/?token=" + m_server->token(); }

 private:
  std::unique_ptr<serve::server> m_server;
  std::thread m_thread;
};

std::string binary_header(std::size_t n) {
  std::string json = R"({"ref":"r1","format":"uint8","shape":[)" + std::to_string(n) + "]}";
  json.append((8 - (4 + json.size()) % 8) % 8, ' ');
  std::string out(4, '\0');
  const auto len = static_cast<std::uint32_t>(json.size());
  for (int i = 0; i < 4; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>((len >> (8 * i)) & 0xff);
  return out + json;
}

void define_functions() {
  static const bool done = [] {
    the_host().eval("py", "def bench_ws_add(a, b):\n    return a + b\ndef bench_ws_echo(x):\n    return x\n");
    return true;
  }();
  (void)done;
}

void serve_call(benchmark::State& st) {
  define_functions();
  running_server server;
  ws_client client(server.port(), server.target());
  const std::string request = R"({"op":"call","id":1,"runtime":"py","function":"bench_ws_add","args":[1,2]})";
  bool binary = false;
  rss_probe probe;
  for (auto _ : st) {
    client.text(request);
    auto& reply = client.read(binary);
    const auto* p = static_cast<const char*>(reply.data().data());
    if (binary || std::string_view(p, reply.size()) != R"({"id":1,"result":3})") {
      fail(st, "serve answered " + std::string(p, reply.size()));
      break;
    }
  }
  probe.finish(st);
}

void echo_call(benchmark::State& st) {
  const std::uint16_t port = echo_port(st);
  if (port == 0) return;
  ws_client client(port, "/");
  const std::string request = R"({"op":"call","id":1,"runtime":"py","function":"bench_ws_add","args":[1,2]})";
  bool binary = false;
  rss_probe probe;
  for (auto _ : st) {
    client.text(request);
    if (client.read(binary).size() != request.size()) {
      fail(st, "the echo server answered something else");
      break;
    }
  }
  probe.finish(st);
}

/// The bytes sent, made once per size (not timed).
const std::vector<std::byte>& big_source(std::size_t size) {
  static std::map<std::size_t, std::vector<std::byte>> made;
  auto& bytes = made[size];
  if (bytes.size() != size) {
    bytes.resize(size);
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::byte>(i * 131 % 251);
  }
  return bytes;
}

void serve_buffer(benchmark::State& st, std::size_t size) {
  define_functions();
  const auto& src = big_source(size);
  running_server server;
  ws_client client(server.port(), server.target());
  const std::string header = binary_header(src.size());
  const std::string request =
      R"({"op":"call","id":2,"runtime":"py","function":"bench_ws_echo","args":[{"_type":"Buffer","ref":"r1"}]})";
  rss_probe probe;
  bool binary = false;
  for (auto _ : st) {
    client.binary(header, src.data(), src.size());
    client.text(request);
    auto& data = client.read(binary);  // the buffer, as the binary frame before the reply
    const bool got_data = binary && data.size() > src.size() &&
                          std::memcmp(static_cast<const char*>(data.data().data()) + data.size() - 16,
                                      src.data() + src.size() - 16, 16) == 0;
    client.read(binary);  // the reply naming it
    if (!got_data || binary) {
      fail(st, "serve did not send the bytes back");
      break;
    }
  }
  probe.finish(st);
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * size));
}

void echo_buffer(benchmark::State& st, std::size_t size) {
  const std::uint16_t port = echo_port(st);
  if (port == 0) return;
  const auto& src = big_source(size);
  ws_client client(port, "/");
  const std::string header = binary_header(src.size());
  rss_probe probe;
  bool binary = false;
  for (auto _ : st) {
    client.binary(header, src.data(), src.size());
    if (client.read(binary).size() != header.size() + src.size() || !binary) {
      fail(st, "the echo server did not send the bytes back");
      break;
    }
  }
  probe.finish(st);
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * size));
}

}  // namespace

void register_websocket(const plan& p) {
  add(p, {"websocket/serve/json", kind::websocket, "client", "py", "json", 0,
          "promethean serve: a call of py add(1, 2) from a WebSocket client, reply read back"},
      serve_call);
  add(p, {"websocket/node_ws_echo/json", kind::websocket, "client", "node_ws", "json", 0,
          "a plain Node ws echo server: the same request text echoed back"},
      echo_call);
  // 64 MiB, as issue 25 asks; the CI-sized run (--smoke) sends 64 KiB.
  const std::size_t size = p.level == depth::smoke ? std::size_t{64} << 10 : std::size_t{64} << 20;
  const std::string label = p.level == depth::smoke ? "64 KiB" : "64 MiB";
  add(p, {"websocket/serve/buffer/" + std::to_string(size), kind::websocket, "client", "py", "buffer", size,
          "promethean serve: " + label + " as a binary frame to py (an identity function) and back"},
      [size](benchmark::State& st) { serve_buffer(st, size); }, size >= (std::size_t{64} << 20));
  add(p, {"websocket/node_ws_echo/buffer/" + std::to_string(size), kind::websocket, "client", "node_ws", "buffer", size,
          "a plain Node ws echo server: the same " + label + " frame echoed back"},
      [size](benchmark::State& st) { echo_buffer(st, size); }, size >= (std::size_t{64} << 20));
}

}  // namespace promethean::bench
