// The wire protocol of `promethean serve` (docs/SERVE.md): requests parsed and checked, messages
// turned into frames (a binary frame per buffer, then the JSON), frames back into messages.
#pragma once

#include <promethean/buffer/buffer.hpp>
#include <promethean/error.hpp>
#include <promethean/host/message.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace promethean::serve::detail {

/// A request the client sent that the protocol does not allow: the reply names what was expected.
error protocol_error(const std::string& message);

/// One outgoing WebSocket message. Text: `text` is the JSON. Binary: `text` is the header (length
/// prefix, JSON, padding) and `payload` the C-contiguous bytes after it, held until written.
struct frame {
  bool binary = false;
  std::string text;
  buffer payload;
};

/// The frames of a JSON object `envelope` whose member `key` is `value`: one binary frame per
/// buffer `value` holds (numbered from `next_ref`, "s1", "s2"…), then the text frame, whose Buffer
/// handles are `{"_type": "Buffer", "ref", "format", "shape", "type", "readonly"}`. A strided
/// buffer is copied into C order for the wire (the one copy the socket needs anyway); a
/// contiguous one is written straight from its memory.
std::vector<frame> encode(nlohmann::json envelope, const char* key, const message& value, std::atomic<std::uint64_t>& next_ref);

/// A binary frame from a client, parsed: its ref and the buffer over its bytes. `holder` owns
/// `data` (the frame's storage): the buffer adopts the bytes and keeps `holder` alive, no copy
/// (unless the data is misaligned for its dtype). Throws protocol_error for a bad header or a
/// size that does not match the shape.
struct received_buffer {
  std::string ref;
  buffer data;
};
received_buffer decode_binary(const std::byte* data, std::size_t size, std::shared_ptr<void> holder,
                              const std::string& language);

/// `value` from a client, its `{"_type": "Buffer", "ref"}` handles replaced by the buffers of
/// `received` (binary frames that came before it), as a message holding them. A handle with no
/// such ref, or naming a host buffer by id, or a Function handle, is a protocol_error.
message resolve_refs(nlohmann::json value, const std::map<std::string, buffer>& received);

/// A request's fields, checked: what each op needs is there with the right JSON type.
struct request {
  std::string op;
  nlohmann::json id;  ///< echoed in the reply; null when the client gave none
  std::string runtime;
  std::string function;
  std::string code;
  std::string name;
  nlohmann::json args = nlohmann::json::array();
  nlohmann::json payload;
  nlohmann::json result;
  std::optional<nlohmann::json> error;
  std::optional<std::chrono::milliseconds> timeout;
};

/// Parses a text frame into a request; throws protocol_error naming what was expected. `id_out`
/// gets the request's id as soon as it is read, so that even a bad request's error names it.
request parse_request(const std::string& text, nlohmann::json& id_out);

/// The reply to request `id`: {"id", "result"} frames.
std::vector<frame> result_frames(const nlohmann::json& id, const message& result, std::atomic<std::uint64_t>& next_ref);
/// {"id", "error": envelope}; `e` is the error that ended the request.
frame error_frame(const nlohmann::json& id, std::exception_ptr e);

}  // namespace promethean::serve::detail
