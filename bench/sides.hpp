// The far ends of every benchmark: small functions defined once in py, js and the bench's Rust
// plugin (an adder, a receiver that reads a buffer's last byte, a receiver that parses JSON text),
// and in py and js the loops that time calls made *from* that runtime.
#pragma once

#include <promethean/buffer/buffer.hpp>

#include <cstddef>
#include <string>

namespace promethean::bench {

/// Defines the py and js functions and loads the Rust plugin, once per process.
void define_sides();

/// The adder in runtime `rt` ("py" → "bench_add", "js" → "benchAdd", "rust" → "benchplug.add").
std::string add_function(const std::string& rt);
/// The receiver of a buffer (returns its length after reading its last byte, which must be 1).
std::string length_function(const std::string& rt);
/// The receiver of JSON text (parses an array and returns its length).
std::string parse_function(const std::string& rt);
/// The function in py or js that runs a batch of handoffs from there: (n, to, method, bytes).
std::string send_loop_function(const std::string& from);
/// The function in py or js that runs a batch of adder calls from there: (n, to, function).
std::string call_loop_function(const std::string& from);

/// Makes runtime `rt`'s source buffer of `bytes` ones (dropping any other size first), outside
/// any timed region. The host's own source is returned; py and js keep theirs.
void prepare_source(const std::string& rt, std::size_t bytes);
const buffer& host_source(std::size_t bytes);
/// Makes py's torch.Tensor source of `bytes` ones (method "torch" of the py sender's loop).
void prepare_tensor_source(std::size_t bytes);

/// `[1,1,…]`: a buffer's bytes as JSON text, as a copying bridge serialises them.
std::string bytes_as_json(const buffer& b);

}  // namespace promethean::bench
