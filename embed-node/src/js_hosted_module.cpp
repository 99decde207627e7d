// The Node-hosted mode's way in: `require('promethean')` in the user's own node loads this addon
// (promethean.node, started by the package's index.js), which makes the process's Host around the
// node that is running, and ends it when that node's program ends.
//
// Node stays in charge of its process: js is the running node (js_adoption.cpp), py, rust, sh and
// meta start on first use from libpromethean's runtime modules. Ctrl-C and SIGTERM, when the
// program does not listen for them, stop Python and the plugins cleanly first, then end node its
// own way (js_hosted_signals.hpp).
// The end: Node's 'exit' event (a normal end, process.exit(), an uncaught error) shuts the Host
// down: JS first gives back the memory of other runtimes it was lent (detach_lent_memory), then
// Python and the plugins stop, and the ledger is checked.
#include "js_conversion.hpp"
#include "js_engine.hpp"
#include "js_errors.hpp"
#include "js_hosted_signals.hpp"

#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>
#include <promethean/js/js_runtime.hpp>

#include <node.h>

#include <algorithm>
#include <iostream>
#include <memory>

namespace promethean::js {
namespace {
host* g_host = nullptr;  ///< the process's Host in the hosted mode, from start() to the 'exit' event

/// libpromethean's runtimes, with js the running node (never the runtime module, which would make
/// a second Node environment in this process).
host_options hosted_options() {
  host_options options;
  options.owns_process_signals = false;  // Node's, untouched
  options.factories = default_runtime_factories();
  const runtime_factory adopted{"js", make_adopted_js_runtime};
  auto js_factory = std::find_if(options.factories.begin(), options.factories.end(),
                                 [](const runtime_factory& f) { return f.name == "js"; });
  if (js_factory != options.factories.end()) {
    *js_factory = adopted;
  } else {
    options.factories.push_back(adopted);
  }
  return options;
}

v8::Local<v8::Value> global_promethean(v8::Isolate* isolate, v8::Local<v8::Context> ctx) {
  v8::Local<v8::Value> module;
  if (!ctx->Global()->Get(ctx, v8_string(isolate, "promethean")).ToLocal(&module) || !module->IsObject()) {
    throw js_error("InitError", "the promethean module was not installed");
  }
  return module;
}

/// The Host's end, on node's main thread: at the 'exit' event (shutdown()) or for a signal's clean
/// stop (js_hosted_signals.hpp). Idempotent.
void end_host(v8::Isolate* isolate) {
  end_clean_stop_on_signals();
  host* h = g_host;
  if (h == nullptr) return;
  g_host = nullptr;
  v8::HandleScope handles(isolate);
  auto& ledger = ledger::instance();
  const bool abort_on_leak = ledger.abort_on_leak();
  ledger.set_abort_on_leak(false);  // checked below, once V8 has let go of what it can
  // JS lets go of the memory it was lent while every runtime still runs to take it back; later
  // 'exit' listeners see those TypedArrays empty, never freed memory.
  detach_lent_memory(isolate);
  engine::get().releases.drain();
  try {
    // Without the lock: Python's threads, joined as Python ends, may still be calling JS.
    lock_given_up unlocked(isolate);
    delete h;
  } catch (const std::exception& e) {
    std::cerr << "promethean: shutting down: " << e.what() << "\n";
  }
  engine::get().releases.drain();
  ledger.set_abort_on_leak(abort_on_leak);
  ledger.check_at_shutdown();
}

/// start(require, mainScript, stopOnSigint, stopOnSigterm): the package's index.js, once per
/// process; returns the module. The flags: the program listens for neither signal itself, so
/// that each stops Python and the plugins cleanly before node's own end (js_hosted_signals.hpp).
void start(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::HandleScope handles(isolate);
  auto ctx = isolate->GetCurrentContext();
  try {
    auto& g = engine::get();
    if (g_host != nullptr) {
      if (g.isolate != isolate) {
        throw usage_error("require('promethean') works in node's main thread only, not in a worker_threads Worker "
                          "(a Worker has a V8 isolate of its own; call promethean from the main thread)",
                          "js");
      }
      info.GetReturnValue().Set(global_promethean(isolate, ctx));
      return;
    }
    if (info.Length() < 1 || !info[0]->IsFunction()) {
      throw usage_error("promethean.node: start(require, mainScript) needs the requiring module's require", "js");
    }
    auto h = std::make_unique<host>(hosted_options());
    if (info.Length() > 1 && info[1]->IsString()) h->set_main_script(to_utf8(isolate, info[1]));
    g.adopting_require.Reset(isolate, info[0].As<v8::Function>());
    h->get("js");  // adopts this node: the module's functions route through this Host from now on
    g.adopting_require.Reset();
    g_host = h.release();
    const bool on_sigint = info.Length() > 2 && info[2]->IsTrue();
    const bool on_sigterm = info.Length() > 3 && info[3]->IsTrue();
    start_clean_stop_on_signals(isolate, g.loop, on_sigint, on_sigterm, [isolate] { end_host(isolate); });
    info.GetReturnValue().Set(global_promethean(isolate, ctx));
  } catch (const error& e) {
    engine::get().adopting_require.Reset();
    throw_into_js(isolate, e);
  } catch (const std::exception& e) {
    isolate->ThrowException(v8::Exception::Error(v8_string(isolate, std::string("promethean: ") + e.what())));
  }
}

/// shutdown(): from the package's 'exit' listener, on the main thread. Idempotent.
void shutdown(const v8::FunctionCallbackInfo<v8::Value>& info) { end_host(info.GetIsolate()); }
}  // namespace
}  // namespace promethean::js

// The addon's init, found by node's process.dlopen (context-aware: node may load it in a Worker,
// where start() then says it cannot run).
NODE_MODULE_INIT(/* exports, module, context */) {
  v8::Isolate* isolate = context->GetIsolate();
  auto add = [&](const char* name, v8::FunctionCallback fn) {
    v8::Local<v8::Function> f = v8::Function::New(context, fn).ToLocalChecked();
    f->SetName(promethean::js::v8_string(isolate, name));
    exports->Set(context, promethean::js::v8_string(isolate, name), f).Check();
  };
  add("start", promethean::js::start);
  add("shutdown", promethean::js::shutdown);
}
