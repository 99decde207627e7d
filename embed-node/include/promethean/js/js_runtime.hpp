/// The `js` runtime: Debian's Node.js 18 (libnode) embedded in the host.
///
/// One Node environment per process, created on the thread that first asks for the runtime (the
/// host thread, which owns the event loop). JS runs only under the isolate lock; a call from JS
/// into another runtime gives the lock up while it waits. Node's own signal handlers are off (the
/// host owns the signal policy). Buffers cross without a copy both ways: a TypedArray, ArrayBuffer,
/// DataView or Node Buffer becomes a Buffer that holds V8's backing store; a Buffer reaches JS as a
/// TypedArray of its dtype over an external backing store, one per Buffer, reused on every crossing.
#pragma once

#include <promethean/config.hpp>
#include <promethean/host/runtime.hpp>

#include <memory>

namespace promethean {
class host;

/// Makes the `js` runtime for `h`. Throws usage_error when a js runtime already ran in this
/// process (Node cannot be initialised twice).
PROMETHEAN_API std::unique_ptr<runtime> make_js_runtime(host& h);

/// The Node-hosted mode: makes the `js` runtime for `h` from the node that is running, on its main
/// thread, while `require('promethean')` loads the addon (see embed-node/src/js_adoption.cpp).
PROMETHEAN_API std::unique_ptr<runtime> make_adopted_js_runtime(host& h);

}  // namespace promethean
