// Node's callback contract for calls into JS from outside it (js_host_call.hpp): what a call
// leaves queued (process.nextTick callbacks, microtasks, a rejection nobody handles) runs when the
// call returns, in Node's order, and not before an enclosing JS callback has returned.
#include "js_fixture.hpp"

#include <gtest/gtest.h>

using nlohmann::json;

namespace {

json call_js(const std::string& fn) { return the_host().call("js", fn, json::array()).value(); }

/// A JS array as it is now: copied to a string inside the eval, before the eval's own queues run
/// when it returns (they would otherwise change the array before it is read).
json snapshot(const std::string& array) {
  return json::parse(js_eval("JSON.stringify(" + array + ")").get<std::string>());
}

}  // namespace

TEST(JsCallbackContract, TicksAndMicrotasksRunWhenTheCallReturnsInNodesOrder) {
  js_eval(R"(
    globalThis.contractOrder = [];
    promethean.export('leaveTicksAndMicrotasks', () => {
      process.nextTick(() => contractOrder.push('tick'));
      Promise.resolve().then(() => contractOrder.push('microtask'));
      contractOrder.push('call');
      return contractOrder.length;
    });
    promethean.export('leaveMicrotasks', () => {
      Promise.resolve().then(() => contractOrder.push('microtask'));
      queueMicrotask(() => process.nextTick(() => contractOrder.push('tick from a microtask')));
      contractOrder.push('call');
      return contractOrder.length;
    });
    promethean.export('leaveNothing', () => contractOrder.length);
    null)");
  for (int round = 0; round < 3; ++round) {  // the same every time, also after a call that left nothing
    js_eval("contractOrder.length = 0, null");
    EXPECT_EQ(call_js("leaveTicksAndMicrotasks"), 1);
    EXPECT_EQ(snapshot("contractOrder"), json({"call", "tick", "microtask"}));
    js_eval("contractOrder.length = 0, null");
    EXPECT_EQ(call_js("leaveMicrotasks"), 1);
    EXPECT_EQ(snapshot("contractOrder"), json({"call", "microtask", "tick from a microtask"}));
    EXPECT_EQ(call_js("leaveNothing"), 3);
  }
  // The same through a callable resolved once.
  js_eval("contractOrder.length = 0, null");
  const promethean::callable resolved = the_host().resolve("js", "leaveTicksAndMicrotasks");
  EXPECT_EQ(resolved({}).value(), 1);
  EXPECT_EQ(snapshot("contractOrder"), json({"call", "tick", "microtask"}));
}

TEST(JsCallbackContract, ARejectionNobodyHandlesIsReportedWhenTheCallReturns) {
  js_eval(R"(
    globalThis.contractRejections = [];
    globalThis.contractListener = (reason) => contractRejections.push(reason.message);
    process.on('unhandledRejection', contractListener);
    promethean.export('dropARejection', () => { Promise.reject(new Error('nobody waits for me')); return 1; });
    null)");
  EXPECT_EQ(call_js("dropARejection"), 1);
  EXPECT_EQ(snapshot("contractRejections"), json({"nobody waits for me"}));
  js_eval("process.off('unhandledRejection', contractListener), null");
}

TEST(JsCallbackContract, ANestedCallsTicksWaitForTheEnclosingCallback) {
  // js → py → js: the inner call's tick runs after the outer JS function has returned, as a tick
  // queued inside a Node callback does.
  js_eval(R"(
    globalThis.nestedOrder = [];
    promethean.export('innerLeavesATick', () => { process.nextTick(() => nestedOrder.push('inner tick')); return 2; });
    promethean.export('outerCallsPy', () => {
      const got = promethean.call('py', 'contract_middle');
      nestedOrder.push('outer after inner');
      return got;
    });
    null)");
  the_host().define("py", {"contract_middle", {}, "import promethean\nreturn promethean.call('js', 'innerLeavesATick')"});
  EXPECT_EQ(call_js("outerCallsPy"), 2);
  EXPECT_EQ(snapshot("nestedOrder"), json({"outer after inner", "inner tick"}));
}

TEST(JsCallbackContract, OnDebiansNodeACallPaysOnlyForWhatItLeft) {
  // Node's queue flags and V8's microtask count are both found (js_host_call.hpp), so a call that
  // leaves nothing queued runs no checkpoint; the tests above show that one that does still runs it.
  EXPECT_EQ(the_host().dispatch_map()["js"]["host_calls"], "Node's callback contract, queues read");
}
