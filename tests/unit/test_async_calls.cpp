// host::call_async and eval_async with stand-in runtimes: the worker pool for a runtime without
// async calls (and that it runs calls in parallel), a runtime's own async call, the timeout of
// the whole wait, errors that settle instead of throwing, and "Shutdown" at host end.
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

using namespace promethean;
using namespace std::chrono_literals;

namespace {
/// What both stand-ins do not use of the Runtime interface: nothing.
class stand_in_runtime : public runtime {
 public:
  std::string version() const override { return "1"; }
  nlohmann::json describe() const override { return {{"version", "1"}}; }
  void define(const function_definition&) override {}
  void load(const std::filesystem::path&) override {}
  std::string marshal(const nlohmann::json& v) const override { return v.dump(); }
  message send_json(const message& m, const call_options&) override { return m; }
  void set_message_handler(std::string_view) override {}
  int run_script(const std::filesystem::path&, const std::vector<std::string>&) override { return 0; }
  void shutdown() override {}
};

/// A runtime without async calls of its own: `call("sleep", [ms])` sleeps and returns the thread
/// it ran on; `call("fail", [])` throws. Counts the calls running at once.
class blocking_runtime final : public stand_in_runtime {
 public:
  std::string_view name() const noexcept override { return "blocking"; }
  message eval(std::string_view code, const call_options&) override { return nlohmann::json{{"evaluated", code}}; }
  message call(std::string_view fn, const message& args, const call_options&) override {
    if (fn == "fail") throw error("blocking", "Boom", "asked to fail");
    const int now = ++m_running;
    int seen = m_most.load();
    while (now > seen && !m_most.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(args.value().at(0).get<int>()));
    --m_running;
    std::ostringstream id;
    id << std::this_thread::get_id();
    return nlohmann::json(id.str());
  }

  int most_at_once() const { return m_most.load(); }

 private:
  std::atomic<int> m_running{0};
  std::atomic<int> m_most{0};
};

/// A runtime with async calls of its own: each call_async hands out a pending call that the test
/// settles (or not), and counts the cancel hooks that ran.
class async_runtime final : public stand_in_runtime {
 public:
  std::string_view name() const noexcept override { return "async"; }
  message eval(std::string_view, const call_options&) override { return message(); }
  message call(std::string_view, const message&, const call_options&) override {
    throw usage_error("the blocking call must not be used when call_async is there");
  }
  std::shared_ptr<pending_call> call_async(std::string_view fn, const message& args, const call_options&) override {
    if (fn == "now") return pending_call::ready(args.value());
    if (fn == "throws") throw error("async", "Refused", "refused at once");
    auto p = pending_call::make();
    p->on_cancel([this] { ++cancels; });
    std::lock_guard lock(m_mutex);
    issued.push_back(p);
    return p;
  }

  std::atomic<int> cancels{0};
  std::mutex m_mutex;
  std::vector<std::shared_ptr<pending_call>> issued;
};

error error_of(const std::shared_ptr<pending_call>& p) {
  auto o = p->wait(pending_call::clock::now() + 10s);
  if (!o) throw std::runtime_error("the call did not settle within 10 s");
  try {
    std::move(*o).take();
  } catch (const error& e) {
    return e;
  }
  throw std::runtime_error("the call did not fail");
}

message value_of(const std::shared_ptr<pending_call>& p) {
  auto o = p->wait(pending_call::clock::now() + 10s);
  if (!o) throw std::runtime_error("the call did not settle within 10 s");
  return std::move(*o).take();
}
}  // namespace

TEST(AsyncCalls, ARuntimeWithoutAsyncCallsRunsOnTheHostsWorkers) {
  host h({.runtimes = {"sh"}});
  h.add_runtime(std::make_unique<blocking_runtime>());
  std::ostringstream self;
  self << std::this_thread::get_id();
  auto p = h.call_async("blocking", "sleep", nlohmann::json::array({10}));
  const auto ran_on = value_of(p).value().get<std::string>();
  EXPECT_NE(ran_on, self.str()) << "the blocking call must run on a worker thread, not the caller's";
  // eval_async, too; its value is the evaluation's data.
  EXPECT_EQ(value_of(h.eval_async("blocking", "1 + 1")).value()["evaluated"], "1 + 1");
  // The continuation form.
  std::promise<std::string> got;
  h.call_async("blocking", "sleep", nlohmann::json::array({1}))->then([&](pending_call::outcome o) {
    got.set_value(std::move(o).take().value().get<std::string>());
  });
  EXPECT_FALSE(got.get_future().get().empty());
}

TEST(AsyncCalls, ConcurrentBlockingCallsRunInParallel) {
  host h({.runtimes = {"sh"}});
  auto owned = std::make_unique<blocking_runtime>();
  auto* rt = owned.get();
  h.add_runtime(std::move(owned));
  value_of(h.call_async("blocking", "sleep", nlohmann::json::array({1})));  // one worker now idle
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<pending_call>> calls;
  for (int i = 0; i < 4; ++i) calls.push_back(h.call_async("blocking", "sleep", nlohmann::json::array({200})));
  for (auto& c : calls) value_of(c);
  const auto took = std::chrono::steady_clock::now() - start;
  // 4 × 200 ms: 800 ms if serialised; generous for a loaded machine, but under that.
  EXPECT_LT(took, 600ms) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  EXPECT_EQ(rt->most_at_once(), 4);
}

TEST(AsyncCalls, ErrorsSettleThePendingCallInsteadOfThrowing) {
  host h({.runtimes = {"sh"}});
  h.add_runtime(std::make_unique<blocking_runtime>());
  h.add_runtime(std::make_unique<async_runtime>());
  std::shared_ptr<pending_call> p;
  ASSERT_NO_THROW(p = h.call_async("cobol", "DISPLAY", nlohmann::json::array()));
  auto e = error_of(p);
  EXPECT_NE(std::string(e.what()).find("unknown runtime 'cobol'"), std::string::npos) << e.what();
  ASSERT_NO_THROW(p = h.eval_async("cobol", "DISPLAY"));
  EXPECT_NE(std::string(error_of(p).what()).find("unknown runtime"), std::string::npos);
  // Arguments that are not an array.
  ASSERT_NO_THROW(p = h.call_async("blocking", "sleep", nlohmann::json{{"not", "an array"}}));
  EXPECT_NE(std::string(error_of(p).what()).find("JSON array"), std::string::npos);
  // The blocking call's error, through the pool, keeps its runtime and type.
  e = error_of(h.call_async("blocking", "fail", nlohmann::json::array()));
  EXPECT_EQ(e.runtime(), "blocking");
  EXPECT_EQ(e.type(), "Boom");
  // A runtime's own call_async that throws.
  ASSERT_NO_THROW(p = h.call_async("async", "throws", nlohmann::json::array()));
  EXPECT_EQ(error_of(p).type(), "Refused");
}

TEST(AsyncCalls, ARuntimesOwnAsyncCallIsUsedAndSettlesLater) {
  host h({.runtimes = {"sh"}});
  auto owned = std::make_unique<async_runtime>();
  auto* rt = owned.get();
  h.add_runtime(std::move(owned));
  // Settled at once: no thread hop.
  auto now = h.call_async("async", "now", nlohmann::json::array({1, 2}));
  EXPECT_TRUE(now->done());
  EXPECT_EQ(value_of(now).value(), nlohmann::json::array({1, 2}));
  // Settled later, from another thread.
  auto later = h.call_async("async", "later", nlohmann::json::array());
  EXPECT_FALSE(later->done());
  ASSERT_EQ(rt->issued.size(), 1u);
  std::thread t([p = rt->issued[0]] {
    std::this_thread::sleep_for(20ms);
    p->complete(nlohmann::json("done"));
  });
  EXPECT_EQ(value_of(later).value(), "done");
  t.join();
  EXPECT_EQ(rt->cancels.load(), 0);
}

TEST(AsyncCalls, TimeoutFailsWithTimeoutAndRunsTheCancelHooks) {
  host h({.runtimes = {"sh"}});
  auto owned = std::make_unique<async_runtime>();
  auto* rt = owned.get();
  h.add_runtime(std::move(owned));
  call_options options;
  options.timeout = 50ms;
  const auto start = std::chrono::steady_clock::now();
  auto p = h.call_async("async", "never", nlohmann::json::array(), options);
  auto e = error_of(p);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
  EXPECT_EQ(e.type(), "Timeout");
  EXPECT_EQ(e.runtime(), "async");
  EXPECT_NE(std::string(e.what()).find("never"), std::string::npos) << e.what();
  EXPECT_EQ(rt->cancels.load(), 1);
  // A call that ends in time is not timed out later (its timer was disarmed).
  auto quick = h.call_async("async", "quick", nlohmann::json::array(), options);
  rt->issued.back()->complete(nlohmann::json(3));
  EXPECT_EQ(value_of(quick).value(), 3);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(rt->cancels.load(), 1);
  // The pool path is timed too: a blocking call longer than its timeout.
  h.add_runtime(std::make_unique<blocking_runtime>());
  EXPECT_EQ(error_of(h.call_async("blocking", "sleep", nlohmann::json::array({400}), options)).type(), "Timeout");
}

TEST(AsyncCalls, CancelByTheConsumerReachesTheProducer) {
  host h({.runtimes = {"sh"}});
  auto owned = std::make_unique<async_runtime>();
  auto* rt = owned.get();
  h.add_runtime(std::move(owned));
  auto p = h.call_async("async", "never", nlohmann::json::array());
  p->cancel();
  EXPECT_EQ(rt->cancels.load(), 1);
  EXPECT_FALSE(rt->issued[0]->complete(nlohmann::json(1)));
}

TEST(AsyncCalls, CallsPendingAtHostDestructionFailWithShutdown) {
  std::shared_ptr<pending_call> own, pooled, timed;
  async_runtime* rt = nullptr;
  {
    host h({.runtimes = {"sh"}});
    auto owned = std::make_unique<async_runtime>();
    rt = owned.get();
    h.add_runtime(std::move(owned));
    h.add_runtime(std::make_unique<blocking_runtime>());
    own = h.call_async("async", "never", nlohmann::json::array());
    call_options options;
    options.timeout = 10s;
    timed = h.call_async("async", "never", nlohmann::json::array(), options);
    pooled = h.call_async("blocking", "sleep", nlohmann::json::array({300}));
    EXPECT_FALSE(own->done());
    EXPECT_EQ(rt->cancels.load(), 0);
    // (the runtime is destroyed with the host: its count is read before)
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(error_of(own).type(), "Shutdown");
  EXPECT_EQ(error_of(timed).type(), "Shutdown");
  EXPECT_EQ(error_of(pooled).type(), "Shutdown");
}

TEST(AsyncCalls, ShutdownRunsTheProducersCancelHooks) {
  auto cancelled = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<pending_call> p;
  {
    host h({.runtimes = {"sh"}});
    auto owned = std::make_unique<async_runtime>();
    auto* rt = owned.get();
    h.add_runtime(std::move(owned));
    p = h.call_async("async", "never", nlohmann::json::array());
    rt->issued[0]->on_cancel([cancelled] { ++*cancelled; });
  }
  EXPECT_EQ(cancelled->load(), 1);
  EXPECT_EQ(error_of(p).type(), "Shutdown");
  // A host made afterwards is unaffected.
  host again({.runtimes = {"sh"}});
  again.add_runtime(std::make_unique<async_runtime>());
  EXPECT_EQ(value_of(again.call_async("async", "now", nlohmann::json::array({9}))).value(), nlohmann::json::array({9}));
}
