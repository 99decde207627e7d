// The wire protocol of `promethean serve`: requests, replies and buffers as binary frames.
#include "protocol.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/dtype.hpp>
#include <promethean/buffer/shared_memory.hpp>
#include <promethean/host/function_handle.hpp>

#include <cstring>
#include <set>
#include <utility>

namespace promethean::serve::detail {

namespace {

using json = nlohmann::json;

constexpr std::size_t k_length_prefix = 4;
constexpr std::size_t k_data_alignment = 8;  // float64 lands aligned in the receiver's frame

const std::set<std::string, std::less<>> k_ops{"hello", "call", "eval", "send_json", "export", "runtimes", "result"};

std::string binary_header(const json& header) {
  std::string text = header.dump();
  const std::size_t unpadded = k_length_prefix + text.size();
  text.append((k_data_alignment - unpadded % k_data_alignment) % k_data_alignment, ' ');
  const auto length = static_cast<std::uint32_t>(text.size());
  std::string out(k_length_prefix, '\0');
  for (std::size_t i = 0; i < k_length_prefix; ++i) out[i] = static_cast<char>((length >> (8 * i)) & 0xff);
  return out + text;
}

/// Replaces each Buffer handle of `value` (walk order) by a ref handle, adding its binary frame.
void encode_walk(json& value, message::cursor& cursor, std::vector<frame>& frames, std::atomic<std::uint64_t>& next_ref) {
  if (is_buffer_handle(value)) {
    const buffer& b = cursor.next_buffer(value);
    buffer wire = b.is_c_contiguous() ? b : copy_to_shared(b);  // its elements in C order
    json shape = json::array();
    for (auto d : b.shape()) shape.push_back(d);
    const std::string ref = "s" + std::to_string(next_ref++);
    json type = b.type_name().empty() ? json(nullptr) : json(b.type_name());
    json header = {{"ref", ref}, {"format", std::string(dtype_name(b.format()))}, {"shape", shape},
                   {"type", type}, {"readonly", b.readonly()}};
    frames.push_back(frame{true, binary_header(header), std::move(wire)});
    value = json{{"_type", "Buffer"}, {"ref", ref}, {"format", header["format"]}, {"shape", std::move(shape)},
                 {"type", std::move(type)}, {"readonly", b.readonly()}};
    return;
  }
  if (function_handle::is_handle(value)) return;  // a name only: the client cannot call it
  if (value.is_array() || value.is_object()) {
    for (auto& item : value) encode_walk(item, cursor, frames, next_ref);
  }
}

void resolve_walk(json& value, const std::map<std::string, buffer>& received, std::vector<buffer>& held) {
  if (value.is_object()) {
    const auto type = value.find("_type");
    if (type != value.end() && type->is_string()) {
      if (*type == "Buffer") {
        const auto ref = value.find("ref");
        if (ref == value.end() || !ref->is_string()) {
          throw protocol_error("a Buffer in a client's message is {\"_type\": \"Buffer\", \"ref\": R}, where R is the "
                               "ref of a binary frame sent before it (host buffers are not named by id over the wire)");
        }
        const auto found = received.find(ref->get<std::string>());
        if (found == received.end()) {
          throw protocol_error("no binary frame with ref '" + ref->get<std::string>() +
                               "' came before this message (send each buffer's binary frame first)");
        }
        value = buffer_to_json(found->second);
        held.push_back(found->second);
        return;
      }
      if (*type == "Function") {
        throw protocol_error("a client cannot send Function handles; export a function instead (op \"export\")");
      }
    }
  }
  if (value.is_array() || value.is_object()) {
    for (auto& item : value) resolve_walk(item, received, held);
  }
}

std::string json_type(const json& j) { return j.type_name(); }

const json& member(const json& object, const char* key, json::value_t type, const std::string& what) {
  const auto it = object.find(key);
  if (it == object.end() || it->type() != type) {
    std::string got = it == object.end() ? "nothing" : json_type(*it);
    throw protocol_error("op \"" + object.value("op", std::string()) + "\" needs \"" + key + "\": " + what +
                         " (got " + got + ")");
  }
  return *it;
}

}  // namespace

error protocol_error(const std::string& message) { return error("serve", "ProtocolError", message); }

std::vector<frame> encode(json envelope, const char* key, const message& value, std::atomic<std::uint64_t>& next_ref) {
  std::vector<frame> frames;
  json body = value.value();
  if (!value.buffers().empty()) {
    message::cursor cursor(value);
    encode_walk(body, cursor, frames, next_ref);
  }
  envelope[key] = std::move(body);
  frames.push_back(frame{false, envelope.dump(-1, ' ', false, json::error_handler_t::replace), {}});
  return frames;
}

received_buffer decode_binary(const std::byte* data, std::size_t size, std::shared_ptr<void> holder,
                              const std::string& language) {
  if (size < k_length_prefix) throw protocol_error("a binary frame starts with a 4-byte header length");
  std::uint32_t length = 0;
  for (std::size_t i = 0; i < k_length_prefix; ++i) length |= std::to_integer<std::uint32_t>(data[i]) << (8 * i);
  if (length > size - k_length_prefix) {
    throw protocol_error("a binary frame's header length (" + std::to_string(length) + ") passes its end");
  }
  json header = json::parse(reinterpret_cast<const char*>(data) + k_length_prefix,
                            reinterpret_cast<const char*>(data) + k_length_prefix + length, nullptr, false);
  if (!header.is_object() || !header.contains("ref") || !header["ref"].is_string() || !header.contains("format") ||
      !header["format"].is_string() || !header.contains("shape") || !header["shape"].is_array()) {
    throw protocol_error("a binary frame's header is JSON {\"ref\": string, \"format\": \"uint8\"|\"float32\"|…, "
                         "\"shape\": [n, …]}");
  }
  const std::string ref = header["ref"].get<std::string>();
  const auto format = dtype_from_name(header["format"].get<std::string>());
  if (!format) {
    throw protocol_error("binary frame '" + ref + "': unknown format '" + header["format"].get<std::string>() +
                         "' (int8 … uint64, float32, float64)");
  }
  shape_t shape;
  std::size_t count = 1;
  for (const auto& d : header["shape"]) {
    if (!d.is_number_unsigned()) throw protocol_error("binary frame '" + ref + "': shape holds whole numbers");
    const auto n = d.get<std::size_t>();
    if (n != 0 && count > (std::size_t{1} << 62) / n) throw protocol_error("binary frame '" + ref + "': shape too large");
    count *= n;
    shape.push_back(n);
  }
  const std::size_t offset = k_length_prefix + length;
  const std::size_t nbytes = count * dtype_size(*format);
  if (size - offset != nbytes) {
    throw protocol_error("binary frame '" + ref + "': " + std::to_string(size - offset) + " data bytes, but " +
                         header["format"].get<std::string>() + " " + header["shape"].dump() + " needs " +
                         std::to_string(nbytes));
  }
  std::string type = header.contains("type") && header["type"].is_string() ? header["type"].get<std::string>() : "";
  const bool readonly = header.value("readonly", false);
  const std::byte* first = data + offset;
  const bool aligned = reinterpret_cast<std::uintptr_t>(first) % dtype_size(*format) == 0;
  buffer b;
  if (aligned) {
    adopt_options options;
    options.language = language;
    options.readonly = readonly;
    options.type = type;
    // The frame's storage becomes the buffer's block: the runtimes see the bytes the socket wrote.
    b = buffer::adopt(const_cast<std::byte*>(first), nbytes, [holder = std::move(holder)]() mutable { holder.reset(); },
                      *format, std::move(shape), options);
  } else {
    allocate_options options;
    options.language = language;
    options.type = type;
    b = buffer::allocate(*format, std::move(shape), options);
    if (nbytes != 0) std::memcpy(b.data(), first, nbytes);
    if (readonly) b = b.as_readonly();
  }
  return {ref, std::move(b)};
}

message resolve_refs(json value, const std::map<std::string, buffer>& received) {
  std::vector<buffer> held;
  resolve_walk(value, received, held);
  return message(message::in_walk_order, std::move(value), std::move(held), {});
}

request parse_request(const std::string& text, json& id_out) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) throw protocol_error("a text frame is one JSON object, e.g. {\"op\": \"call\", \"id\": 1, …}; this is not JSON");
  if (!j.is_object()) throw protocol_error("a text frame is a JSON object with an \"op\", got " + json_type(j));
  request r;
  if (const auto id = j.find("id"); id != j.end()) {
    if (!id->is_number_integer() && !id->is_string() && !id->is_null()) {
      throw protocol_error("\"id\" is a number or a string");
    }
    r.id = *id;
    id_out = *id;
  }
  const auto op = j.find("op");
  if (op == j.end() || !op->is_string() || k_ops.count(op->get<std::string>()) == 0) {
    throw protocol_error("\"op\" is one of hello, call, eval, send_json, export, runtimes, result; got " +
                         (op == j.end() ? std::string("none") : op->dump()));
  }
  r.op = op->get<std::string>();
  if (r.op == "call" || r.op == "eval" || r.op == "send_json") {
    r.runtime = member(j, "runtime", json::value_t::string, "the runtime's name, e.g. \"py\"").get<std::string>();
  }
  if (r.op == "call") {
    r.function = member(j, "function", json::value_t::string, "the function's name, e.g. \"numpy.sum\"").get<std::string>();
    if (j.contains("args")) r.args = member(j, "args", json::value_t::array, "an array of arguments");
  } else if (r.op == "eval") {
    r.code = member(j, "code", json::value_t::string, "the source text to evaluate").get<std::string>();
  } else if (r.op == "send_json") {
    if (!j.contains("payload")) throw protocol_error("op \"send_json\" needs \"payload\": the JSON message");
    r.payload = j["payload"];
  } else if (r.op == "export") {
    r.name = member(j, "name", json::value_t::string, "the function's name").get<std::string>();
  } else if (r.op == "hello") {
    if (j.contains("name")) r.name = member(j, "name", json::value_t::string, "the runtime name this client takes").get<std::string>();
  } else if (r.op == "result") {
    if (!j.contains("id") || !j["id"].is_string()) throw protocol_error("op \"result\" needs the \"id\" of the call it answers");
    if (j.contains("error")) {
      r.error = j["error"];
    } else if (j.contains("result")) {
      r.result = j["result"];
    } else {
      throw protocol_error("op \"result\" needs \"result\" or \"error\"");
    }
  }
  if (const auto t = j.find("timeout_ms"); t != j.end()) {
    if (!t->is_number() || t->get<double>() <= 0) throw protocol_error("\"timeout_ms\" is a positive number");
    r.timeout = std::chrono::milliseconds(static_cast<long long>(t->get<double>() + 0.999));
  }
  return r;
}

std::vector<frame> result_frames(const json& id, const message& result, std::atomic<std::uint64_t>& next_ref) {
  return encode(json{{"id", id}}, "result", result, next_ref);
}

frame error_frame(const json& id, std::exception_ptr e) {
  json envelope;
  try {
    std::rethrow_exception(std::move(e));
  } catch (const error& err) {
    envelope = err.to_json();
  } catch (const std::exception& err) {
    envelope = error("serve", "InternalError", err.what()).to_json();
  }
  return frame{false, json{{"id", id}, {"error", std::move(envelope)}}.dump(-1, ' ', false, json::error_handler_t::replace), {}};
}

}  // namespace promethean::serve::detail
