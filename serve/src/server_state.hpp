// What every connection of one server shares: the host, the options, the token, the clients'
// names, the call threads, and the live sessions (to close them at stop).
#pragma once

#include "call_pool.hpp"
#include "client_runtime.hpp"

#include <promethean/serve/server.hpp>

#include <boost/asio/io_context.hpp>

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace promethean::serve::detail {

class ws_session;

struct server_state {
  server_state(host& h, server_options o, boost::asio::io_context& context)
      : host_ref(h), options(std::move(o)), io(context), registry(h), pool(options.max_call_threads) {}

  host& host_ref;
  server_options options;
  boost::asio::io_context& io;
  std::string token;
  /// The browser origins the upgrade accepts: the server's own and --allow-origin's.
  std::vector<std::string> allowed_origins;
  client_registry registry;

  /// Runtime calls started for clients whose reply is not delivered yet: their continuations run
  /// on the runtimes' threads and use this state, so the server waits for them before it goes.
  std::mutex flight_mutex;
  std::condition_variable flight_done;
  std::size_t in_flight = 0;

  /// Live WebSocket sessions, to close at stop. I/O thread only.
  std::vector<std::weak_ptr<ws_session>> sessions;
  bool stopping = false;  // I/O thread only

  /// Last: destroyed first, so that its threads (which use the members above) are joined first.
  call_pool pool;
};

}  // namespace promethean::serve::detail
