// `promethean serve`: parses its options, loads the files, prints the URL, serves until a signal.
#include "serve_command.hpp"

#include "signals.hpp"

#include <promethean/error.hpp>
#include <promethean/host/host.hpp>
#include <promethean/serve/server.hpp>

#include <charconv>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <string_view>

namespace promethean::cli {

namespace {

constexpr const char* k_serve_usage =
    "serve [--listen ADDRESS:PORT] [--token T] [--allow-origin ORIGIN]... [--static DIR]\n"
    "      [--max-message-bytes N] [FILE.sib|.py|.js ...]";

[[noreturn]] void bad(const std::string& what) { throw usage_error(what + "\nusage: promethean " + k_serve_usage); }

std::uint16_t parse_port(std::string_view text) {
  unsigned port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port > 65535) {
    bad("--listen needs ADDRESS:PORT with a port from 0 to 65535, got port '" + std::string(text) + "'");
  }
  return static_cast<std::uint16_t>(port);
}

/// "127.0.0.1:8765", "[::1]:8765", "0.0.0.0:0", or a bare port "8765" (loopback).
void parse_listen(const std::string& text, serve::server_options& o) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    o.port = parse_port(text);
    return;
  }
  std::string address = text.substr(0, colon);
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') address = address.substr(1, address.size() - 2);
  if (address == "localhost") address = "127.0.0.1";
  if (address.empty()) bad("--listen needs an address before the ':', e.g. 127.0.0.1:8765");
  o.address = address;
  o.port = parse_port(std::string_view(text).substr(colon + 1));
}

std::size_t parse_size(const std::string& text) {
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n == 0) {
    bad("--max-message-bytes needs a whole number of bytes, got '" + text + "'");
  }
  return n;
}

/// The client module shipped with the npm package: beside the binary in a build tree
/// (node/promethean/), or in the source tree this binary was built from.
std::filesystem::path find_client_module() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> candidates;
  if (!ec) {
    candidates.push_back(exe.parent_path() / "node" / "promethean" / "client.mjs");
    candidates.push_back(exe.parent_path().parent_path() / "share" / "promethean" / "client.mjs");
  }
  candidates.push_back(fs::path(PROMETHEAN_SOURCE_DIR) / "node" / "promethean" / "client.mjs");
  for (const auto& c : candidates) {
    if (fs::is_regular_file(c, ec)) return c;
  }
  return {};
}

}  // namespace

int run_serve(const std::vector<std::string>& args) {
  serve::server_options options;
  std::vector<std::string> files;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string word = args[i];
    std::string value;
    bool has_value = false;
    if (word.rfind("--", 0) == 0 && word.find('=') != std::string::npos) {
      value = word.substr(word.find('=') + 1);
      word = word.substr(0, word.find('='));
      has_value = true;
    }
    auto take = [&]() -> std::string {
      if (has_value) return value;
      if (i + 1 >= args.size()) bad(word + " needs a value");
      return args[++i];
    };
    if (word == "--listen") {
      parse_listen(take(), options);
    } else if (word == "--token") {
      options.token = take();
      if (options.token.size() < 16) bad("--token needs at least 16 characters (the default is 48 random hex digits)");
    } else if (word == "--allow-origin") {
      options.allowed_origins.push_back(take());
    } else if (word == "--static") {
      options.static_dir = take();
    } else if (word == "--max-message-bytes") {
      options.max_message_bytes = parse_size(take());
    } else if (word == "-h" || word == "--help") {
      std::cout << "usage: promethean " << k_serve_usage << "\n";
      return 0;
    } else if (word.size() > 1 && word[0] == '-') {
      bad("serve: unknown option '" + word + "'");
    } else {
      files.push_back(word);
    }
  }
  options.client_module = find_client_module();

  host h;
  // Files first, so that their functions exist before any client calls them.
  for (const auto& file : files) {
    const std::string rt = host::runtime_for_file(file);
    if (rt.empty()) bad("serve: cannot tell which runtime loads '" + file + "' (a .sib, .py or .js file)");
    if (!std::filesystem::is_regular_file(file)) bad("serve: no such file: " + file);
    h.load(rt, file);
  }
  serve::server s(h, options);
  install_signal_policy(h);
  // Ctrl-C and SIGTERM end the server (not the runtimes first): calls in flight are stopped, the
  // connections closed, and the host shuts down in its usual order.
  redirect_sigint([&s, &h](int) {
    h.cancel_calls();
    s.stop();
  });
  std::cout << s.url() << std::endl;  // one line, flushed: a parent process reads it
  if (!options.static_dir.empty()) {
    std::cerr << "promethean serve: files of " << options.static_dir.string() << " at " << s.http_origin()
              << "/?token=" << s.token() << "\n";
  }
  s.run();
  redirect_sigint({});
  clear_signal_host();
  std::cerr << "promethean serve: stopped\n";
  return 0;
}

}  // namespace promethean::cli
