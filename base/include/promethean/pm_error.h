/*
 * pm_error.h: the one owned error of Promethean's C interfaces, shared by the embedding C API
 * (promethean.h) and the plugin ABI (promethean/rust/plugin_abi.h). C11 and C++ both.
 *
 * A function that can fail returns `pm_error*`: NULL means success, anything else is an error
 * the caller owns and must give back exactly once with its `_delete` function (pm_error_delete in
 * promethean.h, host->error_delete in a plugin). An error from either interface is the same kind
 * of object: a plugin may return one it got from host->host_call, and an embedder's pm_error_delete
 * frees any error the C API hands out. Its fields are read with the accessors below, whose
 * results are borrowed (valid until the error is deleted) and never NULL.
 */
#ifndef PROMETHEAN_PM_ERROR_H
#define PROMETHEAN_PM_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* An error: the runtime that raised it ("py", "js", "rust", "sh", "meta", "host"), its type in
 * that runtime ("ZeroDivisionError", "MemoryError"…), a message for a person and a trace. */
typedef struct pm_error pm_error;

/* The shape of the accessors: pm_error_runtime, pm_error_type, pm_error_message, pm_error_trace
 * (promethean.h) and host->error_runtime … host->error_trace (plugin_abi.h). */
typedef const char* (*pm_error_field_fn)(const pm_error* error);

/* The shape of the `_delete` function: pm_error_delete and host->error_delete. NULL is fine. */
typedef void (*pm_error_delete_fn)(pm_error* error);

#ifdef __cplusplus
}
#endif

#endif /* PROMETHEAN_PM_ERROR_H */
