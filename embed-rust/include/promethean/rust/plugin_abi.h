/*
 * The Promethean plugin ABI, version 1.3: how a shared library (a Rust cdylib, or C, or anything
 * with a C ABI) offers functions to the host, and how it calls back.
 *
 * A PLUGIN exports one symbol, PM_PLUGIN_ENTRY_NAME ("promethean_plugin_entry"), a function
 * returning a pointer to a static pm_plugin_descriptor. The host checks, before using anything
 * else: the descriptor's struct_size covers the fields it reads, abi_major equals
 * PM_PLUGIN_ABI_MAJOR (another major is refused), and abi_minor is any value (a newer minor only
 * appends fields the host does not read). Each function is then callable as "<plugin>.<function>".
 *
 * A CALL passes the arguments as a JSON array (UTF-8 text, not NUL-terminated: use the length)
 * and the buffers among them as an array of pm_buffer_view. In the JSON, a buffer argument is its
 * handle object with one more key, "view": the index of its pm_buffer_view. Example, for
 * call("rust", "imageops.invert", [image, 0.5]):
 *     [{"_type":"Buffer","buffer_id":"b7","format":"uint8","shape":[256,256,3],...,"view":0}, 0.5]
 * The views point at the caller's memory: no byte is copied. They are valid until the function
 * returns; to keep a buffer longer, take a reference with host->buffer_retain(view->buffer).
 *
 * A RESULT is written into the pm_result the host passes: host->result_set_json() for the JSON
 * value (copied by the host; no call means null), and host->result_add_buffer() to hand over a
 * buffer reference, which returns its index; the JSON refers to it as {"_type":"Buffer","view":i}.
 * A result that is one buffer and nothing else needs no JSON: host->result_set_buffer() (1.1).
 * A buffer made by the plugin from its own memory (a Rust Vec) is handed over without a copy with
 * host->buffer_adopt(), which takes a release callback that the host calls exactly once, from any
 * thread, when the last reference in any runtime is gone. The plugin's library stays loaded while
 * any buffer it made is alive.
 *
 * ERRORS are owned objects: every function that can fail returns pm_error*, NULL meaning success.
 * A plugin function returns either NULL (success) or an error it made with host->error_new() or
 * got from a host call; the host takes it over. An error the plugin gets from a host call and does
 * not return must be given back with host->error_delete(). pm_error is the one owned error of
 * promethean/pm_error.h, the embedding C API's (promethean.h) too. Nothing unwinds across this
 * boundary, either way: the host turns every C++ exception, running out of memory included, into
 * an error; a Rust panic, a C++ exception must be caught inside the plugin and returned as one.
 * An error made with host->error_new_with_trace() (1.3) carries the plugin's own trace lines (the
 * Rust SDK's "panicked at src/lib.rs:12:5"), above the host's "in plugin NAME".
 *
 * A PENDING RESULT (1.2) is a value that comes later: the function makes one with
 * host->pending_new(), names it as its value with host->result_set_pending() (the typed form also
 * sets out->kind = PM_VALUE_RESULT), returns NULL, and hands the pm_pending to whatever will finish
 * the work (a thread it starts, an event loop). That code later settles it, once, from any thread:
 * host->pending_complete() with a result it filled (host->result_new(), then result_set_json,
 * result_add_buffer, result_set_buffer as for a function's result), or host->pending_fail() with
 * an error. A host call_async of the function (a Python await, a JS Promise, meta's call-async)
 * gets the value when it is settled, without any thread waiting for it; a blocking call waits.
 * A pm_pending is counted: each reference (pending_new's, pending_retain's) is given back with
 * pending_delete, settled or not. When the last one goes while the call is not settled, the call
 * fails with a "PendingDropped" error: a plugin that loses its pending result (a thread that
 * panicked) fails the call instead of leaving its caller waiting forever. Settling runs the
 * caller's continuation on the settling thread: settle holding no lock the caller might need.
 * host->pending_cancelled() says when the value is no longer wanted (the caller cancelled, its
 * timeout passed, the host shut down), so that the work may stop early; settling it then is
 * harmless (ignored).
 *
 * THREADS: plugin functions may be called from any thread, also concurrently; the host API may be
 * called from any thread, during a call or outside one (a thread the plugin started).
 *
 * EVOLUTION: append-only. New host functions go at the end of pm_host_api (check struct_size
 * before calling one newer than your minor); new descriptor fields go at the end of their struct;
 * the reserved slots are zero and stay for future use. Changing the layout or the meaning of
 * anything, or removing it, bumps the major version.
 *
 * NAMES follow the C API's scheme, pm_<noun>_<verb>: a host-table member is the function's name
 * without "pm_" (error_delete, buffer_delete, result_delete, host_call), every owned object is
 * given back with its `_delete`. Version 1.1 renamed 1.0's error_free, buffer_release,
 * result_free and call to these, without moving anything: a C identifier is no part of the binary
 * layout (tests/rust/abi_layout.c pins the offsets), so the major version stays 1 and a plugin
 * built for 1.0 runs unchanged; only its source, rebuilt, needs the new names. 1.1 also appended
 * result_set_buffer; 1.2 appended result_new and the pending results (pending_*); 1.3 appended
 * error_new_with_trace.
 */
#ifndef PROMETHEAN_RUST_PLUGIN_ABI_H
#define PROMETHEAN_RUST_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

/* pm_error, the owned error (shared with the embedding C API, promethean.h). */
#include <promethean/pm_error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PM_PLUGIN_ABI_MAJOR 1
#define PM_PLUGIN_ABI_MINOR 3
#define PM_PLUGIN_ENTRY_NAME "promethean_plugin_entry"

/* Marks the entry function as exported, also when a build hides symbols by default. */
#if defined(__GNUC__) || defined(__clang__)
#define PM_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define PM_PLUGIN_EXPORT
#endif

/* Element types; the numbers are part of the ABI. Names as in numpy ("uint8", "float32"). */
typedef enum pm_dtype {
  PM_DTYPE_INT8 = 0,
  PM_DTYPE_UINT8 = 1,
  PM_DTYPE_INT16 = 2,
  PM_DTYPE_UINT16 = 3,
  PM_DTYPE_INT32 = 4,
  PM_DTYPE_UINT32 = 5,
  PM_DTYPE_INT64 = 6,
  PM_DTYPE_UINT64 = 7,
  PM_DTYPE_FLOAT32 = 8,
  PM_DTYPE_FLOAT64 = 9
} pm_dtype;

/* Opaque host objects. A pm_buffer* is one reference to a Buffer (the same object as the C API's
 * pm_buffer); a pm_error* an owned error (pm_error.h); a pm_result* a value with buffers. */
#ifndef PROMETHEAN_PM_BUFFER_DECLARED
#define PROMETHEAN_PM_BUFFER_DECLARED
typedef struct pm_buffer pm_buffer;
#endif
typedef struct pm_result pm_result;
/* A call's value that comes later (1.2): see A PENDING RESULT above. Counted references. */
typedef struct pm_pending pm_pending;

/* A view of a buffer's memory and layout. Borrowed: valid while the reference `buffer` lives (for
 * an argument: until the function returns). */
typedef struct pm_buffer_view {
  uint32_t struct_size;   /* sizeof(pm_buffer_view) of the writer */
  uint32_t dtype;         /* a pm_dtype */
  void* data;             /* the first element (strides are relative to it) */
  uint64_t byte_length;   /* itemsize times the element count (the bytes a contiguous view spans) */
  uint32_t ndim;
  uint32_t readonly;      /* non-zero: the plugin must not write through `data` */
  const uint64_t* shape;  /* ndim sizes */
  const int64_t* strides; /* ndim byte strides, possibly negative */
  const char* type_name;  /* the buffer type ("ImageRGB"), or "" */
  const char* buffer_id;  /* "b17": the same id every runtime sees */
  pm_buffer* buffer;      /* the reference this view is of (borrowed) */
  void* reserved[4];
} pm_buffer_view;

/* The host's functions, handed to every plugin function call. Every pointer is valid for the life
 * of the process, so a plugin may keep `host` for threads it starts. */
typedef struct pm_host_api {
  uint32_t struct_size; /* sizeof(pm_host_api) of the host: functions beyond it do not exist */
  uint16_t abi_major;
  uint16_t abi_minor;
  void* context;        /* the host's, for the plugin that is called; pass `host` back as is */

  /* -- errors -- */
  /* A new error of the plugin's: `type` like "ValueError", `message` for a person. Owned by the
   * caller (return it from the plugin function, or delete it). */
  pm_error* (*error_new)(const struct pm_host_api* host, const char* type, const char* message);
  /* Frees an error the plugin owns and does not return. NULL is fine. */
  pm_error_delete_fn error_delete;
  /* The error's fields, valid until it is deleted; never NULL. */
  pm_error_field_fn error_runtime;
  pm_error_field_fn error_type;
  pm_error_field_fn error_message;
  pm_error_field_fn error_trace;

  /* -- buffers -- */
  /* A new zero-filled host buffer (64-byte aligned, C order), typed when `type_name` is non-NULL
   * and non-empty (checked against the registered type). On success *out is a new reference. */
  pm_error* (*buffer_create)(const struct pm_host_api* host, uint32_t dtype, uint32_t ndim, const uint64_t* shape,
                             const char* type_name, pm_buffer** out);
  /* Hands the plugin's own memory to the host without a copy: `data`, C order, `ndim` sizes.
   * `release(release_context)` runs exactly once, on any thread, when no runtime holds it any
   * more (also when this function fails). On success *out is a new reference. */
  pm_error* (*buffer_adopt)(const struct pm_host_api* host, void* data, uint32_t dtype, uint32_t ndim,
                            const uint64_t* shape, void (*release)(void* release_context), void* release_context,
                            pm_buffer** out);
  /* One more reference to the same buffer (NULL when memory runs out); give each back with
   * buffer_delete, which drops that reference. NULL is fine for buffer_delete. */
  pm_buffer* (*buffer_retain)(const pm_buffer* buffer);
  void (*buffer_delete)(pm_buffer* buffer);
  /* The view of a buffer, valid while the reference lives. */
  void (*buffer_view)(const pm_buffer* buffer, pm_buffer_view* out);

  /* -- results (of a plugin function, or of a call back into the host) -- */
  /* Sets the JSON value (copied; UTF-8, `length` bytes). Invalid JSON is an error. */
  pm_error* (*result_set_json)(pm_result* result, const char* json, size_t length);
  /* Hands a buffer reference over to the result (it takes ownership); returns its index i, which
   * the JSON names as {"_type":"Buffer","view":i}. When memory runs out it returns (size_t)-1 and
   * the reference is dropped. */
  size_t (*result_add_buffer)(pm_result* result, pm_buffer* buffer);
  /* The JSON of a result (buffers appear as handles with a "view" index); valid until the result
   * is deleted. NULL (and *length 0) when memory runs out. */
  const char* (*result_json)(const pm_result* result, size_t* length);
  size_t (*result_buffer_count)(const pm_result* result);
  /* The i-th buffer's view, valid until the result is deleted (all zero when i is out of range or
   * memory runs out). */
  void (*result_buffer_view)(const pm_result* result, size_t i, pm_buffer_view* out);
  void (*result_delete)(pm_result* result);

  /* -- calls into any runtime -- */
  /* Calls `function` in `runtime` ("py", "js", "rust", "sh") with a JSON argument array, whose
   * buffer arguments are {"_type":"Buffer","view":i} naming buffers[i] (borrowed). On success
   * *out is a new result, owned by the caller (give it back with result_delete). Waits for the
   * callee; the plugin may hold no lock of its own that the callee might need. */
  pm_error* (*host_call)(const struct pm_host_api* host, const char* runtime, const char* function, const char* args_json,
                    size_t args_length, pm_buffer* const* buffers, size_t buffer_count, pm_result** out);

  void* reserved[8];

  /* -- 1.1: check host->struct_size covers a member before calling it -- */
  /* The result's value is this buffer, and nothing else: no JSON is written or parsed. Takes the
   * reference over (also on failure). Replaces a value set before (result_set_json); buffers
   * added before stay in the result, unnamed. */
  pm_error* (*result_set_buffer)(pm_result* result, pm_buffer* buffer);

  /* -- 1.2: pending results (see A PENDING RESULT above); check struct_size as for 1.1 -- */
  /* A new empty result (null), owned by the caller: fill it, then hand it to pending_complete
   * (which takes it over) or give it back with result_delete. NULL when memory runs out. */
  pm_result* (*result_new)(const struct pm_host_api* host);
  /* A new pending result, not settled. On success *out is one reference to it, owned by the
   * caller (give it back with pending_delete). */
  pm_error* (*pending_new)(const struct pm_host_api* host, pm_pending** out);
  /* The call's value is `pending`'s, whenever it is settled (before or after this): the function
   * returns NULL after this (an error it returns instead wins). Borrows `pending` (no reference
   * is taken or given). Replaces a value set before. */
  pm_error* (*result_set_pending)(pm_result* result, const pm_pending* pending);
  /* One more reference to the same pending result, for another thread; never NULL. */
  pm_pending* (*pending_retain)(const pm_pending* pending);
  /* Gives a reference back. The last one given back while the call is not settled fails the
   * call with a "PendingDropped" error. NULL is fine. */
  void (*pending_delete)(pm_pending* pending);
  /* Settles the call with `value` (taken over, also when this returns 0). A value the host
   * cannot read (a bad buffer index) fails the call with that error. Returns 1 when this settled
   * the call, 0 when it was settled before or is no longer wanted. Does not give the reference
   * back. */
  int (*pending_complete)(pm_pending* pending, pm_result* value);
  /* Settles the call with `error` (taken over, as a function's returned error; NULL fails it with
   * a "BadResult" error). Returns as pending_complete. */
  int (*pending_fail)(pm_pending* pending, pm_error* error);
  /* Non-zero once the value is no longer wanted: settled, cancelled by the caller, timed out,
   * or the host shut down. */
  int (*pending_cancelled)(const pm_pending* pending);

  /* -- 1.3: check struct_size as for 1.1 -- */
  /* error_new with a trace: lines that say where in the plugin the error happened (for a caught
   * Rust panic, the SDK's "panicked at FILE:LINE:COL"), kept above the host's "in plugin NAME".
   * `trace` NULL or "" is none, as error_new. Owned by the caller, as error_new's. */
  pm_error* (*error_new_with_trace)(const struct pm_host_api* host, const char* type, const char* message,
                                    const char* trace);
} pm_host_api;

/* A value of a typed call (see pm_plugin_typed_function). */
typedef enum pm_value_kind {
  PM_VALUE_NULL = 0,
  PM_VALUE_BOOL = 1,   /* as.b: 0 or 1 */
  PM_VALUE_INT = 2,    /* as.i */
  PM_VALUE_FLOAT = 3,  /* as.f */
  PM_VALUE_STRING = 4, /* as.s: UTF-8, not NUL-terminated; borrowed for the call */
  PM_VALUE_BUFFER = 5, /* view: the index of its pm_buffer_view */
  PM_VALUE_RESULT = 6  /* a result only: the value is in the pm_result (JSON and buffers) */
} pm_value_kind;

typedef struct pm_value {
  uint32_t kind; /* a pm_value_kind */
  uint32_t view; /* PM_VALUE_BUFFER: index into the views */
  union {
    int64_t i;
    double f;
    int32_t b;
    struct {
      const char* data;
      size_t length;
    } s;
  } as;
} pm_value;

/* A plugin function. `args_json` is a JSON array (not NUL-terminated), `views` its buffers;
 * write the value into `result`. Return NULL, or an error (ownership passes to the host). */
typedef pm_error* (*pm_plugin_function)(const pm_host_api* host, const char* args_json, size_t args_length,
                                        const pm_buffer_view* views, size_t view_count, pm_result* result);

/* The fast form of a plugin function, optional: the arguments as an array of typed values
 * instead of JSON text, so that a call with numbers and buffers costs a function call, not a
 * JSON round trip. The host uses it when there are at most 8 arguments and every one is null, a
 * boolean, an integer (fitting int64_t), a number, a string or a buffer; otherwise it calls the
 * JSON form. Host callers that resolved the function once (C++ host::resolve) reach it with no
 * JSON made on either side and nothing allocated for a scalar result. The two forms must give
 * the same results and errors: the host may call either (PROMETHEAN_RUST_TYPED=0 in the host's
 * environment makes it use the JSON form only, to compare them). The function writes a scalar
 * value into *out (NULL, BOOL, INT, FLOAT), or sets out->kind = PM_VALUE_RESULT and fills
 * `result` exactly as the JSON form would. Errors as for the JSON form. The host reads `typed`
 * only from a function descriptor whose struct_size covers it. */
typedef pm_error* (*pm_plugin_typed_function)(const pm_host_api* host, const pm_value* args, size_t arg_count,
                                              const pm_buffer_view* views, size_t view_count, pm_value* out,
                                              pm_result* result);

typedef struct pm_function_descriptor {
  uint32_t struct_size;    /* sizeof(pm_function_descriptor) of the plugin */
  const char* name;        /* "grayscale": called as "<plugin>.grayscale" */
  const char* signature;   /* for people and the dispatch map, e.g. "(img: ImageRGB) -> Gray"; may be NULL */
  pm_plugin_function function;       /* required */
  pm_plugin_typed_function typed;    /* optional: NULL, or the same function taking typed values */
  void* reserved[1];
} pm_function_descriptor;

typedef struct pm_plugin_descriptor {
  uint32_t struct_size;    /* sizeof(pm_plugin_descriptor) of the plugin */
  uint16_t abi_major;      /* PM_PLUGIN_ABI_MAJOR the plugin was built for */
  uint16_t abi_minor;
  const char* name;        /* "imageops": letters, digits and '_' */
  const char* version;     /* the plugin's own version, e.g. "0.1.0" */
  const pm_function_descriptor* functions;
  size_t function_count;
  void* reserved[4];
} pm_plugin_descriptor;

/* The one symbol a plugin exports, declared in C as
 *     PM_PLUGIN_EXPORT const pm_plugin_descriptor* promethean_plugin_entry(void);
 * Returns a descriptor that lives as long as the library. */
typedef const pm_plugin_descriptor* (*pm_plugin_entry)(void);

#ifdef __cplusplus
}
#endif

#endif /* PROMETHEAN_RUST_PLUGIN_ABI_H */
