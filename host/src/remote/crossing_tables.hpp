// Private: what crossed between this process and one peer process, and how messages cross.
#pragma once

#include "frame_channel.hpp"

#include <promethean/host/message.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace promethean::detail {

/// Buffers and functions lent to one peer process and borrowed from it.
///
/// A buffer crosses as its shared segment's descriptor and its layout (shared_memory.hpp): the
/// peer maps the same bytes. This side keeps the buffer in `exports` (counted per crossing) until
/// the peer says it let go of it ("rel"), or the peer dies (`drop_exports`). A borrowed buffer is
/// the same buffer while it lives here (crossing again counts, maps nothing new); when its last
/// reference goes, one "rel" gives back every crossing it counted. A borrowed buffer sent back is
/// named by its token ("home"), and the peer finds its own buffer again: a round trip gives the
/// very buffer back. Functions cross the same way, as proxies that call back by token.
/// Thread-safe.
class crossing_tables : public std::enable_shared_from_this<crossing_tables> {
 public:
  /// `notify` sends a one-way frame to the peer (releases); `proxy_runtime` is the runtime name of
  /// proxies for the peer's functions here (calls to it are routed to the peer).
  crossing_tables(std::function<void(const nlohmann::json&)> notify, std::string proxy_runtime);

  /// A shared segment's identity (shared_region::device, ::inode).
  using segment_key = std::pair<std::uint64_t, std::uint64_t>;

  /// Writes `m` into `head` ("v", "b", "f") and appends the descriptors to send with it. A segment
  /// crosses with its descriptor until a frame that carried it is sent (sent()); after that, by its
  /// identity alone, which the peer maps already: it keeps every segment received mapped until told
  /// the segment ended here ("unseg"). `announced`: the segments whose descriptor this frame carries.
  void encode(const message& m, nlohmann::json& head, std::vector<int>& fds, std::vector<segment_key>& announced);
  /// The frame that carried `announced` is sent: frames encoded from now on name those segments.
  void sent(const std::vector<segment_key>& announced);
  /// The message a received frame's `head` carries; takes its descriptors from `fds`.
  message decode(const nlohmann::json& head, std::vector<owned_fd>& fds);

  /// The peer's token for a proxy of one of its functions made here, or empty when `local_id` is not one.
  std::string function_token(std::string_view local_id) const;
  /// A function lent to the peer, by token (the peer calls it back); null when unknown.
  function_ref exported_function(std::string_view token) const;

  /// The peer gave back what crossed: a "rel"/"relf" frame, or the "rel" list another frame carries.
  /// Or, an "unseg" frame: a segment the peer sent ended there, and need not stay mapped here.
  void released(const nlohmann::json& frame);
  void released_list(const nlohmann::json& list);

  /// While one lives on a thread, the releases that thread makes (a served call's arguments, let go
  /// as the call ends) wait for the reply it sends next, instead of going one frame each.
  class deferral {
   public:
    explicit deferral(crossing_tables& tables);
    ~deferral();
    deferral(const deferral&) = delete;
    deferral& operator=(const deferral&) = delete;
    /// What was deferred, as a frame's "rel" list (empty array: none).
    nlohmann::json take();

   private:
    crossing_tables* m_saved_tables;
    nlohmann::json* m_saved_list;
    nlohmann::json m_list = nlohmann::json::array();
  };
  /// The peer is gone: everything lent to it is let go; proxies of its things stop sending releases.
  void drop_exports();

  /// Counts, for tests and the dispatch map.
  std::size_t exported_buffer_count() const;
  std::size_t copies_made() const;

 private:
  struct import_record {
    std::string token;
    std::uint64_t local_serial = 0;
    std::int64_t crossings = 0;  // under m_mutex
  };
  struct function_import {
    std::string token;
    std::string local_id;
    std::int64_t crossings = 0;
  };
  template <class T>
  struct lent {
    T value;
    std::int64_t crossings = 0;
  };

  nlohmann::json export_buffer(const buffer& b, std::vector<int>& fds, std::vector<segment_key>& announced);
  void segment_ended(const segment_key& key);
  buffer import_buffer(const nlohmann::json& d, std::vector<owned_fd>& fds);
  nlohmann::json export_function(const function_ref& f);
  function_ref import_function(const nlohmann::json& d);
  void send_release(const char* kind, const std::string& token, std::int64_t crossings);

  std::function<void(const nlohmann::json&)> m_notify;
  std::string m_proxy_runtime;
  mutable std::mutex m_mutex;
  bool m_peer_gone = false;
  struct lent_buffer {
    buffer shared;    // what the peer maps
    buffer original;  // what a sender gave: a copy's source, given back when the buffer comes home
    std::int64_t crossings = 0;
  };
  std::map<std::string, lent_buffer, std::less<>> m_exports;  // token (our serial) → buffer
  std::map<std::string, std::shared_ptr<import_record>, std::less<>> m_imports;  // peer token → record
  std::map<std::uint64_t, std::string> m_import_by_serial;         // our serial → peer token
  std::map<std::string, lent<function_ref>, std::less<>> m_function_exports;   // our id → function
  std::map<std::string, std::shared_ptr<function_import>, std::less<>> m_function_imports;  // peer token → proxy
  std::map<std::string, std::string, std::less<>> m_function_import_by_id;  // our proxy's id → peer token
  std::size_t m_copies = 0;
  /// Segments whose descriptor went to the peer: true once a frame carrying it was sent. Shared
  /// segments that end here are taken out (and the peer told), lasting ones never end.
  std::map<segment_key, bool> m_segments_sent;
  /// Segments the peer sent, kept mapped until it says they ended there (or it is gone).
  std::map<segment_key, std::shared_ptr<const void>> m_segments_kept;
};

}  // namespace promethean::detail
