// One WebSocket connection of `promethean serve`: requests in, replies out, calls both ways.
#include "ws_session.hpp"

#include <promethean/config.hpp>
#include <promethean/error.hpp>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <array>
#include <utility>

namespace promethean::serve::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using json = nlohmann::json;

ws_session::ws_session(asio::ip::tcp::socket socket, server_state& state)
    : m_ws(std::move(socket)), m_state(state), m_read(std::make_shared<beast::flat_buffer>()) {}

ws_session::~ws_session() = default;

void ws_session::start(beast::http::request<beast::http::string_body> request) {
  beast::get_lowest_layer(m_ws).expires_never();
  m_ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  m_ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(beast::http::field::server, std::string("promethean/") + PROMETHEAN_VERSION_STRING);
  }));
  // The size limit is ours (read()), not Beast's read_message_max: Boost 1.74's teardown after its
  // own 1009 closes the socket with the rest of the message unread, so the client gets a reset
  // (1006) instead of the close frame. Ours sends 1009 and lets the close handshake drain the rest.
  m_ws.read_message_max(0);
  std::erase_if(m_state.sessions, [](const auto& weak) { return weak.expired(); });
  m_state.sessions.push_back(weak_from_this());
  m_ws.async_accept(request, [self = shared_from_this()](beast::error_code ec) {
    if (ec) return self->end("handshake: " + ec.message());
    self->read();
  });
}

void ws_session::close() {
  if (!m_ended && !m_closing) {
    m_closing = true;
    m_ws.async_close(websocket::close_code::going_away, [self = shared_from_this()](beast::error_code) {});
  }
  end("the server stops");  // the runtimes' calls to this client fail now, not when the socket closes
}

void ws_session::read() {
  // A message comes in pieces, so that one past the limit is refused before more than a piece over
  // it is held. The piece grows with the message (64 KiB … 4 MiB): a small request does not make
  // the buffer reserve megabytes, a large one is read in few steps.
  constexpr std::size_t k_min_chunk = std::size_t{64} << 10;
  constexpr std::size_t k_max_chunk = std::size_t{4} << 20;
  const std::size_t chunk = std::clamp(m_read->size(), k_min_chunk, k_max_chunk);
  m_ws.async_read_some(*m_read, chunk,
                       [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

void ws_session::too_big() {
  m_read = std::make_shared<beast::flat_buffer>();
  m_received.clear();
  m_received_bytes = 0;
  if (m_closing) return;
  m_closing = true;
  // Beast's close handshake reads (and drops) the rest of the message until the client's close.
  m_ws.async_close(websocket::close_reason(websocket::close_code::too_big, "message too big"),
                   [self = shared_from_this()](beast::error_code ec) { self->end(ec ? ec.message() : "1009"); });
}

void ws_session::on_read(beast::error_code ec) {
  if (ec) return end(ec.message());
  if (m_read->size() + m_received_bytes > m_state.options.max_message_bytes) return too_big();
  if (!m_ws.is_message_done()) return read();
  if (m_ws.got_text()) {
    const std::string text = beast::buffers_to_string(m_read->data());
    m_read->clear();
    on_text(text);
  } else {
    // The frame's storage becomes the buffer's memory: a fresh one for the next read.
    auto frame_storage = std::exchange(m_read, std::make_shared<beast::flat_buffer>());
    on_binary(std::move(frame_storage));
  }
  if (!m_ended && !m_closing) read();
}

void ws_session::on_binary(std::shared_ptr<beast::flat_buffer> storage) {
  const auto bytes = storage->data();
  const auto* data = static_cast<const std::byte*>(bytes.data());
  const std::size_t size = bytes.size();
  try {
    const std::string language = m_slot ? m_slot->name() : std::string("host");
    auto received = decode_binary(data, size, std::move(storage), language);
    // The binary frames before a text frame count together against the limit (read()), as one
    // message would.
    m_received_bytes += size;
    m_received[received.ref] = std::move(received.data);
  } catch (...) {
    reply_error(nullptr, std::current_exception());
  }
}

void ws_session::on_text(const std::string& text) {
  json id;
  try {
    dispatch(parse_request(text, id));
  } catch (...) {
    reply_error(id, std::current_exception());
  }
  // Binary frames belong to the text frame that follows them.
  m_received.clear();
  m_received_bytes = 0;
}

void ws_session::dispatch(request r) {
  auto& h = m_state.host_ref;
  if (r.op == "hello") {
    if (!r.name.empty()) {
      if (m_slot) throw usage_error("this connection is named '" + m_slot->name() + "' already");
      m_slot = m_state.registry.attach(r.name, shared_from_this());
    }
    reply(r.id, message(json{{"name", m_slot ? json(m_slot->name()) : json(nullptr)},
                             {"runtimes", h.runtime_names()},
                             {"version", PROMETHEAN_VERSION_STRING}}));
  } else if (r.op == "export") {
    if (!m_slot) throw usage_error("export needs a name first: {\"op\": \"hello\", \"name\": \"web\"}");
    m_slot->add_export(r.name);
    reply(r.id, message());
  } else if (r.op == "runtimes") {
    reply(r.id, message(json(h.runtime_names())));
  } else if (r.op == "result") {
    settle_client_call(r);
  } else {
    message args = r.op == "call" ? resolve_refs(std::move(r.args), m_received)
                   : r.op == "send_json" ? resolve_refs(std::move(r.payload), m_received)
                                         : message();
    // Never on the I/O thread: a runtime call may take as long as it likes. Counted from here until
    // its reply is delivered (run_call), so that the server's end waits for it.
    {
      std::lock_guard lock(m_state.flight_mutex);
      ++m_state.in_flight;
    }
    m_state.pool.submit([self = shared_from_this(), r = std::move(r), args = std::move(args)]() mutable {
      self->run_call(std::move(r), std::move(args));
    });
  }
}

void ws_session::run_call(request r, message args) {
  auto& h = m_state.host_ref;
  call_options options;
  options.timeout = r.timeout;
  std::weak_ptr<ws_session> weak = weak_from_this();
  server_state* state = &m_state;  // in_flight was counted when the call was queued (dispatch)
  auto deliver = [weak, state, id = r.id](pending_call::outcome outcome) {
    if (auto self = weak.lock()) {  // else the connection is gone: nobody to answer
      if (outcome.error) {
        self->reply_error(id, outcome.error);
      } else {
        self->reply(id, outcome.value);
      }
    }
    std::lock_guard lock(state->flight_mutex);
    if (--state->in_flight == 0) state->flight_done.notify_all();
  };
  try {
    if (r.op == "call" && !r.timeout) {
      // Blocking, on this call thread: one thread hop fewer than host.call_async, which would hand
      // a runtime without async calls of its own (py, rust) to a host worker; a JS Promise is
      // awaited here as host.call awaits it.
      deliver({h.call(r.runtime, r.function, args, options), nullptr});
    } else if (r.op == "call") {
      // With a timeout, the async form: it fails at the deadline even while the runtime's code
      // is inside a blocking call that cannot be stopped at once (time.sleep).
      h.call_async(r.runtime, r.function, args, options)->then(deliver);
    } else if (r.op == "eval") {
      h.eval_async(r.runtime, r.code, options)->then(deliver);
    } else {
      deliver({h.send_json(r.runtime, args, options), nullptr});
    }
  } catch (...) {
    deliver({message(), std::current_exception()});
  }
}

void ws_session::settle_client_call(const request& r) {
  std::shared_ptr<pending_call> pending;
  {
    std::lock_guard lock(m_calls_mutex);
    const auto it = m_calls.find(r.id.get<std::string>());
    if (it == m_calls.end()) {
      throw protocol_error("no call with id " + r.id.dump() + " is waiting for a result (answered already, or timed out)");
    }
    pending = std::move(it->second);
    m_calls.erase(it);
  }
  const std::string name = m_slot ? m_slot->name() : std::string("client");
  if (r.error) {
    const json& e = *r.error;
    auto field = [&e](const char* key) {
      return e.is_object() && e.contains(key) && e[key].is_string() ? e[key].get<std::string>() : std::string();
    };
    std::string type = field("type");
    std::string text = e.is_string() ? e.get<std::string>() : field("message");
    pending->fail(std::make_exception_ptr(error(name, type.empty() ? "Error" : type, text, field("trace"))));
    return;
  }
  try {
    pending->complete(resolve_refs(r.result, m_received));
  } catch (...) {
    pending->fail(std::current_exception());
    throw;  // the client hears what was wrong with its result too
  }
}

std::shared_ptr<pending_call> ws_session::send_to_client(const std::string& kind, const std::string& function,
                                                         const message& args) {
  auto pending = pending_call::make();
  std::string id;
  {
    std::lock_guard lock(m_calls_mutex);
    if (m_closed) {
      throw error(m_slot ? m_slot->name() : "client", "NotConnected", "the client disconnected");
    }
    id = "c" + std::to_string(m_next_call++);
    m_calls[id] = pending;
  }
  // A caller that gives up (a timeout) takes its call out of the table.
  pending->on_cancel([weak = weak_from_this(), id] {
    if (auto self = weak.lock()) {
      std::lock_guard lock(self->m_calls_mutex);
      self->m_calls.erase(id);
    }
  });
  json envelope{{"op", kind}, {"id", id}};
  if (kind == "call") envelope["function"] = function;
  post(encode(std::move(envelope), kind == "call" ? "args" : "payload", args, m_next_ref));
  return pending;
}

void ws_session::reply(const json& id, const message& result) {
  std::vector<frame> frames;
  try {
    frames = result_frames(id, result, m_next_ref);
  } catch (...) {
    return reply_error(id, std::current_exception());
  }
  post(std::move(frames));
}

void ws_session::reply_error(const json& id, std::exception_ptr e) {
  std::vector<frame> frames;
  frames.push_back(error_frame(id, std::move(e)));
  post(std::move(frames));
}

void ws_session::post(std::vector<frame> frames) {
  asio::post(m_ws.get_executor(), [self = shared_from_this(), frames = std::move(frames)]() mutable {
    self->queue(std::move(frames));
  });
}

void ws_session::queue(std::vector<frame> frames) {
  if (m_ended) return;
  for (auto& f : frames) m_out.push_back(std::move(f));
  if (!m_writing) write_next();
}

void ws_session::write_next() {
  if (m_out.empty() || m_ended) {
    m_writing = false;
    return;
  }
  m_writing = true;
  const frame& f = m_out.front();
  auto done = [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->m_out.pop_front();  // the payload's buffer reference goes with it
    if (ec) return self->end(ec.message());
    self->write_next();
  };
  if (f.binary) {
    m_ws.binary(true);
    const std::array<asio::const_buffer, 2> parts{asio::buffer(f.text), asio::buffer(f.payload.cdata(), f.payload.nbytes())};
    m_ws.async_write(parts, std::move(done));
  } else {
    m_ws.text(true);
    m_ws.async_write(asio::buffer(f.text), std::move(done));
  }
}

void ws_session::end(const std::string&) {
  if (m_ended) return;
  m_ended = true;
  m_received.clear();
  if (m_slot) m_slot->detach(this);
  std::map<std::string, std::shared_ptr<pending_call>> calls;
  {
    std::lock_guard lock(m_calls_mutex);
    m_closed = true;
    calls.swap(m_calls);
  }
  const std::string name = m_slot ? m_slot->name() : std::string("client");
  for (auto& [id, pending] : calls) {
    pending->fail(std::make_exception_ptr(
        error(name, "Disconnected", "client '" + name + "' disconnected before it answered")));
  }
}

}  // namespace promethean::serve::detail
