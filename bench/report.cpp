#include "report.hpp"

#include <algorithm>
#include <cstdio>

namespace promethean::bench {

namespace {

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string arrow(const std::string& from, const std::string& to) { return from + " → " + to; }

std::string kind_name(kind k) {
  switch (k) {
    case kind::call: return "call";
    case kind::limit: return "limit";
    case kind::peer: return "peer";
    case kind::process: return "process";
    case kind::handoff: return "handoff";
    case kind::websocket: return "websocket";
  }
  return "call";
}

/// A cell: the median, or why there is none.
std::string cell(const measurement* m) {
  if (m == nullptr) return "–";
  if (!m->error.empty()) return "FAILED";
  return time_label(m->ns);
}

std::string rss_label(double bytes) {
  if (bytes < 0) return "?";
  if (bytes >= 1024.0 * 1024 * 1024) return fmt("+%.2f GiB", bytes / (1024.0 * 1024 * 1024));
  if (bytes >= 1024.0 * 1024) return fmt("+%.1f MiB", bytes / (1024.0 * 1024));
  return fmt("+%.0f KiB", bytes / 1024);
}

std::string handoff_cell(const measurement* m) {
  if (m == nullptr) return "–";
  if (!m->error.empty()) return "FAILED";
  return time_label(m->ns) + " · " + fmt(m->gb_per_s() >= 100 ? "%.0f" : "%.2f", m->gb_per_s()) + " GB/s · " +
         rss_label(m->peak_rss_added);
}

int repetitions_of(const results& r) {
  std::size_t most = 0;
  for (const auto& m : r.benchmarks) most = std::max(most, m.samples_ns.size());
  return static_cast<int>(most);
}

}  // namespace

void write_table(std::ostream& out, const results& r, const std::vector<target_result>& targets) {
  const machine_info& mc = r.machine;
  out << "# promethean bench: " << r.depth << " run, " << fmt("%.0f", r.seconds) << " s, " << mc.date << "\n\n";
  out << "Machine: " << mc.cpu << ", " << mc.cpus << " CPUs, " << mc.kernel << ", " << mc.compiler << ", " << mc.build
      << "; py " << mc.python << ", js " << mc.node << ", rust " << mc.rust_abi << ".\n";
  const int reps = repetitions_of(r);
  out << (reps > 1 ? "Figures are medians of up to " + std::to_string(reps) + " repetitions per benchmark"
                   : std::string("Figures are single runs (no repetitions)"))
      << "; compare them within one run (the same machine and load).\n\n";

  out << "## Calls (time per call)\n\n";
  out << "| path | small JSON argument (add 1, 2) | 1 KiB buffer argument |\n| --- | ---: | ---: |\n";
  const std::pair<std::string, std::string> calls[] = {{"host", "py"}, {"host", "js"}, {"host", "rust"}, {"py", "js"},
                                                       {"js", "py"},   {"py", "rust"}, {"js", "rust"}};
  for (const auto& [from, to] : calls) {
    const std::string base = "call/" + from + "_to_" + to + "/";
    out << "| " << arrow(from, to) << " | " << cell(r.find(base + "json")) << " | " << cell(r.find(base + "buffer"))
        << " |\n";
  }
  for (const std::string rt : {"py", "js"}) {
    out << "| host → " << rt << ", argument message built once | " << cell(r.find("call/host_to_" + rt + "/json_reused"))
        << " | |\n";
  }
  for (const std::string rt : {"py", "js", "rust"}) {
    out << "| host → " << rt << ", a callable resolved once (host.resolve), typed arguments | "
        << cell(r.find("call/host_to_" + rt + "/resolved")) << " | " << cell(r.find("call/host_to_" + rt + "/buffer_resolved"))
        << " |\n";
  }
  for (const std::string rt : {"py", "js"}) {
    const std::string base = "call/host_to_" + rt + "/";
    for (const std::string route : {"route_main", "route_global", "route_loaded", "cold_first_call",
                                    "cold_after_redefinition", "cold_load"}) {
      const measurement* m = r.find(base + route);
      if (m != nullptr) out << "| host → " << rt << ", " << m->info.description << " | " << cell(m) << " | |\n";
    }
  }
  out << "| **limits (the same work, no bridge)** | | |\n";
  for (const auto& m : r.benchmarks) {
    if (m.info.what == kind::limit) out << "| " << m.info.description << " | " << cell(&m) << " | |\n";
  }
  out << "| **peer processes (JSON lines over pipes, one round trip)** | | |\n";
  out << "| a child /usr/bin/python3 | " << cell(r.find("peer/python3_pipes/json")) << " | "
      << cell(r.find("peer/python3_pipes/buffer")) << " (as a JSON array) |\n";
  out << "| a child /usr/bin/node | " << cell(r.find("peer/node_pipes/json")) << " | "
      << cell(r.find("peer/node_pipes/buffer")) << " (as a JSON array) |\n\n";

  // promethean serve beside a plain Node ws echo server: the same C++ client drives both.
  out << "## WebSocket (promethean serve) beside a plain Node ws echo server\n\n"
         "| what | promethean serve | Node ws echo | serve / echo |\n| --- | ---: | ---: | ---: |\n";
  for (const auto& m : r.benchmarks) {
    if (m.info.what != kind::websocket || m.info.to != "py") continue;
    const measurement* echo = r.find("websocket/node_ws_echo/" + m.info.name.substr(std::string("websocket/serve/").size()));
    const auto figure = [](const measurement* x) {
      if (x == nullptr) return std::string("–");
      if (!x->error.empty() || x->info.bytes == 0) return cell(x);
      return cell(x) + fmt(" · %.2f GB/s each way", x->gb_per_s());
    };
    std::string ratio = "–";
    if (echo != nullptr && m.error.empty() && echo->error.empty() && echo->ns > 0) ratio = fmt("%.2f×", m.ns / echo->ns);
    const std::string what = m.info.bytes == 0 ? std::string("a call round trip (py add(1, 2); the echo: the same text)")
                                               : size_label(m.info.bytes) + " as a binary frame, there and back";
    out << "| " << what << " | " << figure(&m) << " | " << figure(echo) << " | " << ratio << " |\n";
  }
  out << "\n";

  out << "## Buffer handoff (time per handoff · effective GB/s · peak resident memory added)\n\n";
  out << "zero-copy: the same memory handed over; copy: the bytes copied once into new memory, then handed over; "
         "JSON: the bytes serialised as a JSON array of numbers, sent as text, parsed back by the receiver.\n\n";
  out << "| path | size | zero-copy | copy | JSON | JSON / zero-copy |\n| --- | ---: | ---: | ---: | ---: | ---: |\n";
  std::vector<std::size_t> sizes;
  for (const auto& m : r.benchmarks) {
    if (m.info.what == kind::handoff && std::find(sizes.begin(), sizes.end(), m.info.bytes) == sizes.end()) {
      sizes.push_back(m.info.bytes);
    }
  }
  std::sort(sizes.begin(), sizes.end());
  for (const auto& [from, to] : handoff_paths()) {
    for (const std::size_t bytes : sizes) {
      const measurement* z = r.handoff(from, to, "zero_copy", bytes);
      const measurement* c = r.handoff(from, to, "copy", bytes);
      const measurement* j = r.handoff(from, to, "json", bytes);
      std::string ratio = "–";
      if (z != nullptr && j != nullptr && z->error.empty() && j->error.empty() && z->ns > 0) {
        ratio = fmt("%.0f×", j->ns / z->ns);
      }
      out << "| " << arrow(from, to) << " | " << size_label(bytes) << " | " << handoff_cell(z) << " | "
          << handoff_cell(c) << " | " << handoff_cell(j) << " | " << ratio << " |\n";
    }
  }
  out << "\n– : not run at this size in this run (the JSON path stops where it would take minutes and gigabytes).\n\n";

  out << "## torch.Tensor handoff (DLPack), beside a numpy array's\n\n"
         "| path | size | torch.Tensor | numpy array | torch / numpy |\n| --- | ---: | ---: | ---: | ---: |\n";
  for (const std::string to : {"js", "rust"}) {
    for (const std::size_t bytes : sizes) {
      const measurement* t = r.handoff("py", to, "torch", bytes);
      if (t == nullptr) continue;
      const measurement* z = r.handoff("py", to, "zero_copy", bytes);
      std::string ratio = "–";
      if (z != nullptr && t->error.empty() && z->error.empty() && z->ns > 0) ratio = fmt("%.2f×", t->ns / z->ns);
      out << "| " << arrow("py", to) << " | " << size_label(bytes) << " | " << handoff_cell(t) << " | " << handoff_cell(z)
          << " | " << ratio << " |\n";
    }
  }
  out << "\n";

  out << "## Processes (runtimes in worker processes of their own: docs/PROCESSES.md)\n\n"
         "| what | time |\n| --- | ---: |\n";
  for (const auto& m : r.benchmarks) {
    if (m.info.what != kind::process) continue;
    std::string what = m.info.description;
    if (m.info.variant == "buffer") what += ", " + size_label(m.info.bytes);
    out << "| " << what << " | " << (m.info.variant == "buffer" ? handoff_cell(&m) : cell(&m)) << " |\n";
  }
  out << "| a child /usr/bin/python3 over pipes, JSON lines (the peer baseline above) | "
      << cell(r.find("peer/python3_pipes/json")) << " |\n\n";

  out << "## Startup (fresh process to its first result)\n\n| what | median | runs |\n| --- | ---: | ---: |\n";
  for (const auto& s : r.startup) {
    out << "| " << s.description << " | " << fmt("%.1f ms", s.ms) << " | " << s.samples_ms.size() << " |\n";
  }
  const auto hosted_table = [&](const char* title, const std::vector<hosted_measurement>& rows) {
    out << "\n## " << title << "\n\n| what | embedded | hosted | hosted / embedded |\n| --- | ---: | ---: | ---: |\n";
    for (const auto& h : rows) {
      const auto figure = [&](double v) {
        if (v < 0) return std::string("–");
        return h.unit == "ms" ? fmt("%.1f ms", v) : time_label(v);
      };
      const std::string ratio = h.embedded > 0 ? fmt("%.2f×", h.hosted / h.embedded) : "–";
      out << "| " << h.description << " | " << figure(h.embedded) << " | " << figure(h.hosted) << " | " << ratio << " |\n";
    }
  };
  hosted_table("The Python-hosted mode (a plain python3 that imports promethean) beside the embedded one (promethean run)",
               r.hosted);
  hosted_table("The Node-hosted mode (a plain node that requires promethean) beside the embedded one (promethean run)",
               r.node_hosted);
  out << "\n## Targets\n\n| target | measured | status |\n| --- | --- | --- |\n";
  for (const auto& t : targets) {
    const std::string status = t.status == "met" ? "met" : t.status == "missed" ? "**missed**" : t.status;
    out << "| " << t.target << " | " << t.measured << " | " << status << " |\n";
  }
  bool failed = false;
  for (const auto& m : r.benchmarks) {
    if (!m.error.empty()) {
      if (!failed) out << "\n## Failed benchmarks\n\n";
      failed = true;
      out << "- " << m.info.name << ": " << m.error << "\n";
    }
  }
}

nlohmann::json to_json(const results& r, const std::vector<target_result>& targets) {
  const machine_info& mc = r.machine;
  nlohmann::json j;
  j["depth"] = r.depth;
  j["seconds"] = r.seconds;
  j["machine"] = {{"date", mc.date},         {"cpu", mc.cpu},       {"cpus", mc.cpus},
                  {"kernel", mc.kernel},     {"compiler", mc.compiler}, {"build", mc.build},
                  {"python", mc.python},     {"node", mc.node},     {"rust_abi", mc.rust_abi}};
  for (const auto& [key, rows] : {std::pair{"hosted", &r.hosted}, std::pair{"node_hosted", &r.node_hosted}}) {
    j[key] = nlohmann::json::array();
    for (const auto& h : *rows) {
      j[key].push_back({{"what", h.what}, {"description", h.description}, {"unit", h.unit},
                        {"embedded", h.embedded}, {"hosted", h.hosted}});
    }
  }
  j["benchmarks"] = nlohmann::json::array();
  for (const auto& m : r.benchmarks) {
    nlohmann::json b = {{"name", m.info.name},
                        {"kind", kind_name(m.info.what)},
                        {"from", m.info.from},
                        {"to", m.info.to},
                        {"variant", m.info.variant},
                        {"bytes", m.info.bytes},
                        {"description", m.info.description},
                        {"ns", m.ns},
                        {"samples_ns", m.samples_ns},
                        {"peak_rss_added_bytes", m.peak_rss_added}};
    if (m.info.what == kind::handoff || (m.info.what == kind::websocket && m.info.bytes > 0)) b["gb_per_s"] = m.gb_per_s();
    if (!m.error.empty()) b["error"] = m.error;
    j["benchmarks"].push_back(std::move(b));
  }
  j["startup"] = nlohmann::json::array();
  for (const auto& s : r.startup) {
    j["startup"].push_back({{"what", s.what}, {"description", s.description}, {"ms", s.ms}, {"samples_ms", s.samples_ms}});
  }
  j["targets"] = nlohmann::json::array();
  for (const auto& t : targets) {
    j["targets"].push_back({{"target", t.target}, {"measured", t.measured}, {"status", t.status}});
  }
  return j;
}

}  // namespace promethean::bench
