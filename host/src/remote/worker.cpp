// The worker process: one runtime instance served to the host that started it (worker.hpp).
#include <promethean/buffer/buffer_type.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>
#include <promethean/host/view_registry.hpp>
#include <promethean/host/worker.hpp>

#include "link_runtime.hpp"
#include "peer_link.hpp"
#include "request_server.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

namespace promethean {
namespace {

/// The host's runtimes, seen from the worker: every name the worker does not run itself.
class host_side_runtime final : public detail::link_runtime {
 public:
  host_side_runtime(std::string name, std::shared_ptr<detail::peer_link> link)
      : link_runtime(std::move(name)), m_link(std::move(link)) {
    // `py@host` is the host's py (a worker for py calls its own interpreter `py`).
    std::string_view n = this->name();
    m_target = n.ends_with("@host") ? std::string(n.substr(0, n.size() - 5)) : std::string(n);
  }

 protected:
  std::shared_ptr<detail::peer_link> link() const override {
    if (m_link->lost()) throw error(std::string(name()), "RuntimeCrashed", "the host process is gone");
    return m_link;
  }
  std::shared_ptr<detail::peer_link> current_link() const override { return m_link; }
  std::string target() const override { return m_target; }

 private:
  std::shared_ptr<detail::peer_link> m_link;
  std::string m_target;
};

/// The worker's own runtime under its instance name (`py@1`), so code that names it works here too.
class own_name_runtime final : public runtime {
 public:
  own_name_runtime(host& h, std::string name, std::string base) : m_host(h), m_name(std::move(name)), m_base(std::move(base)) {}
  std::string_view name() const noexcept override { return m_name; }
  std::string version() const override { return m_host.get(m_base).version(); }
  nlohmann::json describe() const override { return m_host.get(m_base).describe(); }
  message eval(std::string_view code, const call_options& o) override { return m_host.get(m_base).eval(code, o); }
  message call(std::string_view f, const message& a, const call_options& o) override { return m_host.get(m_base).call(f, a, o); }
  std::shared_ptr<pending_call> call_async(std::string_view f, const message& a, const call_options& o) override {
    return m_host.call_async(m_base, f, a, o);
  }
  std::shared_ptr<pending_call> eval_async(std::string_view code, const call_options& o) override {
    return m_host.eval_async(m_base, code, o);
  }
  void define(const function_definition& d) override { m_host.get(m_base).define(d); }
  void load(const std::filesystem::path& p) override { m_host.get(m_base).load(p); }
  std::string marshal(const nlohmann::json& v) const override { return m_host.get(m_base).marshal(v); }
  message send_json(const message& p, const call_options& o) override { return m_host.get(m_base).send_json(p, o); }
  void set_message_handler(std::string_view h) override { m_host.get(m_base).set_message_handler(h); }
  int run_script(const std::filesystem::path& p, const std::vector<std::string>& a) override {
    return m_host.get(m_base).run_script(p, a);
  }

 private:
  host& m_host;
  std::string m_name;
  std::string m_base;
};

struct worker_arguments {
  int fd = -1;
  std::string runtime;
  std::string name;
  long parent = 0;
  std::string main_script;
};

/// A request to the host, waited for: its answer, or what the host refused it with.
message ask_host(const std::shared_ptr<detail::peer_link>& link, nlohmann::json head) {
  if (link->lost()) throw error("host", "RuntimeCrashed", "the host process is gone");
  auto pending = link->request(std::move(head), message());
  link->watch_for(*pending);
  return std::move(*pending->wait()).take();
}

/// Buffer types and views registered here reach the host before they count here, so that the
/// host routes `view(b, "grayscale")` of a type this worker's runtime registered to this worker,
/// as it would to an in-process runtime. A view of a runtime the worker reaches in the host keeps
/// the host's name for it (`py@host` is the host's `py`).
void tell_host_what_is_registered(host& h, const std::shared_ptr<detail::peer_link>& link, const worker_arguments& args) {
  h.buffer_types().set_observer([link](const buffer_type& t) {
    ask_host(link, {{"op", "register_type"}, {"type", t.to_json()}});
  });
  // And the host's types apply here: a buffer of a type the host registered, a view of it.
  h.buffer_types().set_lookup_elsewhere([link](std::string_view name) -> std::optional<buffer_type> {
    const message answer = ask_host(link, {{"op", "buffer_type"}, {"name", name}});
    if (answer.value().is_null()) return std::nullopt;
    return buffer_type::from_json(answer.value());
  });
  h.views().set_observer([link, own = args.runtime, instance = args.name](const view_entry& v) {
    std::string_view rt = v.runtime;
    if (rt == own) rt = instance;
    if (rt.ends_with("@host")) rt.remove_suffix(5);
    ask_host(link, {{"op", "register_view"}, {"rt", rt}, {"type", v.type}, {"name", v.name}, {"fn", v.function}});
  });
}

bool parse(int argc, char** argv, worker_arguments& out) {
  std::map<std::string, std::string> values;
  for (int i = 1; i + 1 < argc; i += 2) values[argv[i]] = argv[i + 1];
  if (argc % 2 != 1 || !values.count("--fd") || !values.count("--runtime") || !values.count("--name")) return false;
  try {
    out.fd = std::stoi(values["--fd"]);
    out.parent = values.count("--parent") ? std::stol(values["--parent"]) : 0;
  } catch (const std::exception&) {
    return false;
  }
  out.runtime = values["--runtime"];
  out.name = values["--name"];
  out.main_script = values["--main-script"];
  return true;
}
}  // namespace

int run_worker(int argc, char** argv) {
  worker_arguments args;
  if (!parse(argc, argv, args)) {
    std::fprintf(stderr,
                 "promethean-worker: started by a Promethean host, not by hand (usage: promethean-worker --fd N "
                 "--runtime NAME --name INSTANCE [--parent PID] [--main-script PATH])\n");
    return 2;
  }
  // Ctrl-C at a terminal reaches the whole process group: the host decides what it stops (it
  // cancels the calls here). When the host dies, its end of the socket closes and the worker ends
  // (below); not PR_SET_PDEATHSIG, which fires when the *thread* that started the worker ends.
  ::signal(SIGINT, SIG_IGN);
  // Every buffer that crosses keeps a descriptor while it is mapped here.
  if (rlimit r{}; ::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
  }

  std::shared_ptr<detail::peer_link> link;
  try {
    link = std::make_shared<detail::peer_link>(args.fd, "host", detail::frame_channel::side::joiner);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "promethean-worker: %s cannot reach its host: %s\n", args.name.c_str(), e.what());
    return 2;
  }
  auto finish = [&] { link->stop_serving_here(); };
  int status = 0;
  {
    host_options options;
    options.owns_process_signals = false;
    options.runtimes = {args.runtime};  // every other name is the host's
    options.runtime_for_unknown_name = [link, args](host& h, std::string_view name) -> std::unique_ptr<runtime> {
      if (name == args.name) return std::make_unique<own_name_runtime>(h, args.name, args.runtime);
      return std::make_unique<host_side_runtime>(std::string(name), link);
    };
    host h(std::move(options));
    if (!args.main_script.empty()) h.set_main_script(args.main_script);
    try {
      h.get(args.runtime);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "promethean-worker: %s cannot start: %s\n", args.name.c_str(), e.what());
      return 2;
    }
    detail::peer_link* l = link.get();  // not the shared pointer: the link would hold itself
    link->start([&h, l](const nlohmann::json& head,
                        const message& payload) { return detail::serve_request(h, l->tables(), head, payload); },
                [&]() -> std::exception_ptr {
                  // The host is gone without a goodbye (it crashed, it was killed): nobody is left to
                  // serve, and the main thread may be deep in a call that would never end.
                  if (args.parent != 0 && ::getppid() != static_cast<pid_t>(args.parent)) ::_exit(0);
                  finish();
                  return std::make_exception_ptr(error("host", "RuntimeCrashed", "the host process is gone"));
                },
                [&](const nlohmann::json& head) {
                  const std::string kind = head.value("k", "");
                  if (kind == "cancel") h.cancel_calls();
                  if (kind == "bye") finish();
                });
    tell_host_what_is_registered(h, link, args);
    link->serve_here();  // the main thread runs the host's requests, until goodbye
    // The Host ends here, its runtimes still able to call the host while they finish.
  }
  link->close();
  return status;
}

}  // namespace promethean
