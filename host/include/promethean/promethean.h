/*
 * promethean.h: the C API of libpromethean.so. The whole Promethean host (Python, Node.js, Rust
 * plugins and the shell in one process) for any language with a C FFI. C11 and C++ both.
 *
 *     pm_host* host = NULL;
 *     pm_error* err = pm_host_new(NULL, 0, &host);          // every runtime, started on first use
 *     pm_message* r = NULL;
 *     if (!err) err = pm_host_eval(host, "py", "6 * 7", &r);
 *     if (err) { fprintf(stderr, "%s\n", pm_error_message(err)); pm_error_delete(err); }
 *     else { puts(pm_message_json(r)); pm_message_delete(r); }  // 42
 *     pm_host_delete(host);
 *
 * OWNERSHIP. Every function's comment says who owns what; the rules behind them are few:
 *   - `_new`/`_create`/`_get` give the caller a handle it must give back exactly once:
 *     pm_host with pm_host_delete, pm_message with pm_message_delete, pm_buffer (one
 *     reference to a buffer) with pm_buffer_delete, pm_error with pm_error_delete, and a
 *     `char*` with pm_string_delete.
 *   - Functions that can fail return pm_error*: NULL means success, anything else is an owned
 *     error and the out-parameters were not written. Nothing unwinds through this API: every
 *     C++ exception, running out of memory included ("host" "MemoryError"), becomes an error.
 *   - `const char*` results are borrowed: valid while the object they came from lives.
 *   - Strings passed in are borrowed for the call only; JSON in and out is UTF-8 text.
 *   - Every `_delete` function accepts NULL and does nothing.
 *   - Names are pm_<noun>_<verb>, the same scheme as the plugin ABI's host table (plugin_abi.h),
 *     which shares pm_error and pm_buffer with this header.
 *
 * THREADS. Every function may be called from any thread, also concurrently, except that
 * pm_host_delete must not race with other calls on the same host. A pm_buffer may be used and
 * deleted on any thread. Calls wait for the runtime they call (the GIL, Node's isolate lock are
 * taken inside and never held while waiting for another runtime).
 *
 * ONE HOST PER PROCESS. CPython and Node can each start only once per process: a second host
 * that uses py or js after a first one did fails with a clear error.
 *
 * BUFFERS cross into every runtime without a copy: pm_buffer_json() gives the handle
 * ({"_type":"Buffer","buffer_id":"b3",...}) to put into call arguments, and the callee sees the
 * same bytes (a numpy array, a TypedArray, a Rust slice). docs/EMBEDDING.md explains lifetimes.
 *
 * This header does not collide with promethean/rust/plugin_abi.h (the plugin ABI): both may be
 * included in one translation unit.
 */
#ifndef PROMETHEAN_H
#define PROMETHEAN_H

#include <stddef.h>
#include <stdint.h>

/* The version (PROMETHEAN_VERSION_MAJOR/MINOR/PATCH/STRING) and PROMETHEAN_API: plain macros. */
#include <promethean/config.hpp>
/* pm_error, the owned error of every function that can fail (also the plugin ABI's). */
#include <promethean/pm_error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque handles. pm_error (the owned error) is declared in pm_error.h, shared with the plugin
 * ABI; pm_buffer is the plugin ABI's too: one reference to a buffer is the same object in both. */
typedef struct pm_host pm_host;       /* a Host: the runtimes of this process */
typedef struct pm_message pm_message; /* a result: JSON plus the buffers it names, kept alive */
#ifndef PROMETHEAN_PM_BUFFER_DECLARED
#define PROMETHEAN_PM_BUFFER_DECLARED
typedef struct pm_buffer pm_buffer; /* one reference to a buffer */
#endif

/* pm_host_new flags. */
#define PM_HOST_START_EAGERLY 1u /* start every runtime now instead of on first use */

/* -- version -- */

/* The library's version, "0.1.0" (compare with PROMETHEAN_VERSION_STRING, the headers' one).
 * Static: never free it. */
PROMETHEAN_API const char* pm_version(void);

/* -- errors -- */

/* The runtime that raised the error ("py", "js", "rust", "sh", "meta", "host"). Borrowed: valid
 * until pm_error_delete(error). NULL error gives "". */
PROMETHEAN_API const char* pm_error_runtime(const pm_error* error);
/* The error's type in that runtime ("ZeroDivisionError", "TypeError", "BufferError"…).
 * Borrowed, as pm_error_runtime. */
PROMETHEAN_API const char* pm_error_type(const pm_error* error);
/* The message for a person. Borrowed, as pm_error_runtime. */
PROMETHEAN_API const char* pm_error_message(const pm_error* error);
/* The runtime's trace (a Python traceback, a JS stack), possibly "". Borrowed, as
 * pm_error_runtime. */
PROMETHEAN_API const char* pm_error_trace(const pm_error* error);
/* Frees an error the caller owns (every non-NULL pm_error* this API returns). NULL is fine. */
PROMETHEAN_API void pm_error_delete(pm_error* error);

/* Frees a string this API returned as `char*` (owned by the caller). NULL is fine. */
PROMETHEAN_API void pm_string_delete(char* text);

/* -- the host -- */

/* Makes a host. `runtimes` is NULL or "" for every runtime of this build, else a comma-separated
 * list ("py,js,rust"); an unknown name is an error listing the known ones. `flags`: 0 (runtimes
 * start on first use) or PM_HOST_START_EAGERLY. On success *out is a new host, owned by the
 * caller: free it with pm_host_delete. */
PROMETHEAN_API pm_error* pm_host_new(const char* runtimes, unsigned flags, pm_host** out);

/* Shuts the host's runtimes down in the documented order (js, then py, then rust plugins) and
 * frees it. Takes ownership of `host`; NULL is fine. Buffers the caller still holds stay valid if
 * the host allocated them; release those that came from py or js memory before this call. */
PROMETHEAN_API void pm_host_delete(pm_host* host);

/* Evaluates `code` in `runtime`. On success, when `out` is not NULL, *out is the value (a new
 * message, owned by the caller: pm_message_delete); with `out` NULL the value is dropped. A value
 * that cannot cross (a JS Map, a Python object()) is JSON null: the code ran, for its effect. */
PROMETHEAN_API pm_error* pm_host_eval(pm_host* host, const char* runtime, const char* code, pm_message** out);

/* Calls `function` (a dotted path "math.sqrt", an exported name, "<plugin>.<fn>") in `runtime`
 * with `args_json`, a JSON array (NULL means []); buffer arguments are handles from
 * pm_buffer_json(), and the callee sees the same memory. Keyword arguments are a last element
 * {"_type": "Kwargs", "values": {"name": value, ...}}: a Python function's keywords, a JS
 * function's last plain object; rust, sh and meta functions refuse them (a TypeError). Result as
 * for pm_host_eval. */
PROMETHEAN_API pm_error* pm_host_call(pm_host* host, const char* runtime, const char* function,
                                      const char* args_json, pm_message** out);

/* pm_host_eval and pm_host_call with a time limit: past `timeout_seconds` what runs is stopped
 * (JS is terminated, Python gets promethean.TimeoutError at its next bytecode, a shell command is
 * killed) and the error's type is "Timeout". 0 means no limit; a negative or NaN limit is an
 * error. The runtime goes on serving later calls. */
PROMETHEAN_API pm_error* pm_host_eval_with_timeout(pm_host* host, const char* runtime, const char* code,
                                                   double timeout_seconds, pm_message** out);
PROMETHEAN_API pm_error* pm_host_call_with_timeout(pm_host* host, const char* runtime, const char* function,
                                                   const char* args_json, double timeout_seconds, pm_message** out);

/* Loads a file into `runtime`: a Python module, a JS module, a Rust plugin (.so), a shell file.
 * `path` is borrowed for the call. */
PROMETHEAN_API pm_error* pm_host_load(pm_host* host, const char* runtime, const char* path);

/* Delivers the JSON message `payload_json` to `runtime`'s message handler; the reply as for
 * pm_host_eval. A runtime without a handler prints the JSON on stdout, as that language prints,
 * and the reply is null. */
PROMETHEAN_API pm_error* pm_host_send_json(pm_host* host, const char* runtime, const char* payload_json,
                                           pm_message** out);

/* Sets `runtime`'s message handler: for sh a command line, for py and js the name of a function
 * (an exported one, or a dotted path). `handler` is borrowed for the call. */
PROMETHEAN_API pm_error* pm_host_set_message_handler(pm_host* host, const char* runtime, const char* handler);

/* Registers a buffer type with the host, from JSON: {"name": "ImageRGB", "layout": ["height",
 * "width", "channels"], "format": "uint8" (or null / absent: any), "fixed": {"channels": 3}
 * (optional)}. Registering the same type again is fine; another type under a taken name is an
 * error. `type_json` is borrowed for the call. */
PROMETHEAN_API pm_error* pm_host_register_buffer_type(pm_host* host, const char* type_json);

/* The host's runtimes as a JSON array of names (["js","meta","py","rust","sh"]). On success *out
 * is a new string owned by the caller: pm_string_delete. Starts none of them. */
PROMETHEAN_API pm_error* pm_host_runtimes(pm_host* host, char** out);

/* -- messages (results) -- */

/* The value as JSON text; buffers appear as their handles. Borrowed: valid until
 * pm_message_delete(message). NULL message gives "null". */
PROMETHEAN_API const char* pm_message_json(const pm_message* message);
/* The runtime that produced the value ("py" for pm_host_eval(host, "py", …)), the MetaObject's
 * source. Borrowed, as pm_message_json. NULL message gives "". */
PROMETHEAN_API const char* pm_message_source(const pm_message* message);
/* How many buffers the value names (0 for NULL). */
PROMETHEAN_API size_t pm_message_buffer_count(const pm_message* message);
/* The index-th buffer the value names (each buffer once; pm_buffer_id matches it to its handle
 * in the JSON): a new reference owned by the caller (pm_buffer_delete), or NULL when index is
 * out of range or memory runs out. */
PROMETHEAN_API pm_buffer* pm_message_buffer(const pm_message* message, size_t index);
/* Frees a message (its buffers live on where other references hold them). NULL is fine. */
PROMETHEAN_API void pm_message_delete(pm_message* message);

/* -- buffers -- */

/* A new zero-filled host buffer, 64-byte aligned, C order. `format` is a numpy name ("uint8",
 * "int32", "float32", "float64", …); `shape` holds `ndim` sizes (borrowed; may be NULL when ndim
 * is 0). On success *out is a new reference owned by the caller: pm_buffer_delete. */
PROMETHEAN_API pm_error* pm_buffer_create(pm_host* host, const char* format, size_t ndim, const size_t* shape,
                                          pm_buffer** out);

/* A new zero-filled buffer of a registered buffer type; `sizes_json` gives every dimension that
 * is not fixed ({"height": 480, "width": 640}). On success *out is a new reference owned by the
 * caller: pm_buffer_delete. A missing, extra or wrong size is an error naming the dimension. */
PROMETHEAN_API pm_error* pm_buffer_create_typed(pm_host* host, const char* type_name, const char* sizes_json,
                                                pm_buffer** out);

/* The live buffer with id `id` ("b17", from pm_buffer_id or a handle), whichever runtime made it.
 * On success *out is a new reference owned by the caller: pm_buffer_delete. An id naming no live
 * buffer is an error. */
PROMETHEAN_API pm_error* pm_buffer_get(pm_host* host, const char* id, pm_buffer** out);

/* One more reference to the same buffer, owned by the caller (pm_buffer_delete). NULL gives
 * NULL, and so does running out of memory. */
PROMETHEAN_API pm_buffer* pm_buffer_retain(const pm_buffer* buffer);
/* Drops one reference; the memory is freed when no reference in any runtime is left. NULL is
 * fine. */
PROMETHEAN_API void pm_buffer_delete(pm_buffer* buffer);

/* Element [0, …, 0]: the buffer's own memory, no copy. Borrowed: valid while this reference
 * lives. Do not write through it when pm_buffer_readonly() is non-zero. NULL buffer gives NULL. */
PROMETHEAN_API void* pm_buffer_data(const pm_buffer* buffer);
/* The number of dimensions (0 for NULL). */
PROMETHEAN_API size_t pm_buffer_ndim(const pm_buffer* buffer);
/* `ndim` sizes. Borrowed: valid while this reference lives. */
PROMETHEAN_API const size_t* pm_buffer_shape(const pm_buffer* buffer);
/* `ndim` strides in bytes (negative for a reversed view). Borrowed: valid while this reference
 * lives. */
PROMETHEAN_API const ptrdiff_t* pm_buffer_strides(const pm_buffer* buffer);
/* The element type's numpy name ("uint8"). Static: never free it. NULL buffer gives "". */
PROMETHEAN_API const char* pm_buffer_format(const pm_buffer* buffer);
/* The size of one element in bytes, and of all elements (0 for NULL). */
PROMETHEAN_API size_t pm_buffer_itemsize(const pm_buffer* buffer);
PROMETHEAN_API size_t pm_buffer_nbytes(const pm_buffer* buffer);
/* Non-zero when the buffer must not be written (0 for NULL). */
PROMETHEAN_API int pm_buffer_readonly(const pm_buffer* buffer);
/* The id every runtime sees ("b17"). Borrowed: valid while this reference lives. NULL gives "". */
PROMETHEAN_API const char* pm_buffer_id(const pm_buffer* buffer);
/* The buffer type ("ImageRGB"), or "" when untyped. Borrowed, as pm_buffer_id. */
PROMETHEAN_API const char* pm_buffer_type(const pm_buffer* buffer);
/* The handle, {"_type":"Buffer","buffer_id":…,"format":…,"shape":…}, to pass the buffer in call
 * arguments. A new string owned by the caller (pm_string_delete); NULL for a NULL buffer or when
 * memory runs out. */
PROMETHEAN_API char* pm_buffer_json(const pm_buffer* buffer);

/* -- DLPack (PyTorch, JAX, CuPy, numpy ≥ 1.22 and C++ frameworks exchange tensors this way) --
 * Both functions name DLPack's struct without including it: include <dlpack/dlpack.h> (Debian's
 * libdlpack-dev) to build or read one. */
struct DLManagedTensor;

/* A buffer over a DLPack tensor's memory, no copy. Ownership of `tensor` passes to Promethean in
 * every case: on success the buffer calls tensor->deleter exactly once, when the last reference in
 * any runtime is gone (on whichever thread drops it); on error (NULL tensor aside) the deleter has
 * already run. Memory the CPU can address only (DLPack's CPU, CUDA-host and ROCm-host devices),
 * dtypes int8…int64, uint8…uint64, float32, float64; anything else is an error naming the device or
 * the dtype. On success *out is a new reference owned by the caller: pm_buffer_delete. */
PROMETHEAN_API pm_error* pm_buffer_from_dlpack(struct DLManagedTensor* tensor, pm_buffer** out);

/* A DLPack tensor (CPU device) over the buffer's memory, no copy. *out is owned by the caller,
 * who gives it to a consumer (torch, numpy, …) or calls (*out)->deleter(*out) exactly once; until
 * then it holds a reference to the buffer, so the memory outlives every pm_buffer_delete. A
 * read-only buffer is refused (DLPack cannot say "read-only"), as are strides that are not whole
 * elements. */
PROMETHEAN_API pm_error* pm_buffer_to_dlpack(const pm_buffer* buffer, struct DLManagedTensor** out);

#ifdef __cplusplus
}
#endif

#endif /* PROMETHEAN_H */
