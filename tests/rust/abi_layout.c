/* Compile-only: pins the plugin ABI's layout on this platform (x86-64/aarch64 Linux, LP64). A
 * change that moves a field fails the build here before it breaks a plugin built elsewhere. */
#include <promethean/rust/plugin_abi.h>

#include <stddef.h>

_Static_assert(sizeof(void*) == 8, "the ABI is pinned for 64-bit platforms");
_Static_assert(PM_PLUGIN_ABI_MAJOR == 1 && PM_PLUGIN_ABI_MINOR == 3, "layout below is ABI 1.3");
/* 1.1 renamed four host-table members (error_free, buffer_release, result_free, call) and
 * appended result_set_buffer: every 1.0 offset below is the one 1.0 pinned. */
_Static_assert(PM_DTYPE_INT8 == 0 && PM_DTYPE_UINT8 == 1 && PM_DTYPE_INT64 == 6 && PM_DTYPE_FLOAT64 == 9, "dtype numbers");

_Static_assert(offsetof(pm_buffer_view, struct_size) == 0, "pm_buffer_view");
_Static_assert(offsetof(pm_buffer_view, dtype) == 4, "pm_buffer_view");
_Static_assert(offsetof(pm_buffer_view, data) == 8, "pm_buffer_view");
_Static_assert(offsetof(pm_buffer_view, byte_length) == 16, "pm_buffer_view");
_Static_assert(offsetof(pm_buffer_view, ndim) == 24, "pm_buffer_view");
_Static_assert(offsetof(pm_buffer_view, readonly) == 28, "pm_buffer_view");
_Static_assert(offsetof(pm_buffer_view, shape) == 32, "pm_buffer_view");
_Static_assert(offsetof(pm_buffer_view, strides) == 40, "pm_buffer_view");
_Static_assert(offsetof(pm_buffer_view, type_name) == 48, "pm_buffer_view");
_Static_assert(offsetof(pm_buffer_view, buffer_id) == 56, "pm_buffer_view");
_Static_assert(offsetof(pm_buffer_view, buffer) == 64, "pm_buffer_view");
_Static_assert(sizeof(pm_buffer_view) == 104, "pm_buffer_view");

_Static_assert(offsetof(pm_host_api, struct_size) == 0, "pm_host_api");
_Static_assert(offsetof(pm_host_api, abi_major) == 4, "pm_host_api");
_Static_assert(offsetof(pm_host_api, abi_minor) == 6, "pm_host_api");
_Static_assert(offsetof(pm_host_api, context) == 8, "pm_host_api");
_Static_assert(offsetof(pm_host_api, error_new) == 16, "pm_host_api");
_Static_assert(offsetof(pm_host_api, error_trace) == 56, "pm_host_api");
_Static_assert(offsetof(pm_host_api, buffer_create) == 64, "pm_host_api");
_Static_assert(offsetof(pm_host_api, buffer_view) == 96, "pm_host_api");
_Static_assert(offsetof(pm_host_api, result_set_json) == 104, "pm_host_api");
_Static_assert(offsetof(pm_host_api, result_delete) == 144, "pm_host_api");
_Static_assert(offsetof(pm_host_api, host_call) == 152, "pm_host_api");
_Static_assert(offsetof(pm_host_api, error_delete) == 24, "pm_host_api");
_Static_assert(offsetof(pm_host_api, buffer_delete) == 88, "pm_host_api");
_Static_assert(offsetof(pm_host_api, reserved) == 160, "pm_host_api");
_Static_assert(offsetof(pm_host_api, result_set_buffer) == 224, "pm_host_api: 1.1 appends after 1.0's 224 bytes");
_Static_assert(offsetof(pm_host_api, result_new) == 232, "pm_host_api: 1.2 appends after 1.1's 232 bytes");
_Static_assert(offsetof(pm_host_api, pending_new) == 240, "pm_host_api");
_Static_assert(offsetof(pm_host_api, result_set_pending) == 248, "pm_host_api");
_Static_assert(offsetof(pm_host_api, pending_retain) == 256, "pm_host_api");
_Static_assert(offsetof(pm_host_api, pending_delete) == 264, "pm_host_api");
_Static_assert(offsetof(pm_host_api, pending_complete) == 272, "pm_host_api");
_Static_assert(offsetof(pm_host_api, pending_fail) == 280, "pm_host_api");
_Static_assert(offsetof(pm_host_api, pending_cancelled) == 288, "pm_host_api");
_Static_assert(offsetof(pm_host_api, error_new_with_trace) == 296, "pm_host_api: 1.3 appends after 1.2's 296 bytes");
_Static_assert(sizeof(pm_host_api) == 304, "pm_host_api");

_Static_assert(offsetof(pm_function_descriptor, name) == 8, "pm_function_descriptor");
_Static_assert(offsetof(pm_function_descriptor, signature) == 16, "pm_function_descriptor");
_Static_assert(offsetof(pm_function_descriptor, function) == 24, "pm_function_descriptor");
_Static_assert(offsetof(pm_function_descriptor, typed) == 32, "pm_function_descriptor");
_Static_assert(sizeof(pm_function_descriptor) == 48, "pm_function_descriptor");

_Static_assert(offsetof(pm_value, kind) == 0 && offsetof(pm_value, view) == 4, "pm_value");
_Static_assert(offsetof(pm_value, as) == 8 && sizeof(pm_value) == 24, "pm_value");
_Static_assert(PM_VALUE_NULL == 0 && PM_VALUE_BUFFER == 5 && PM_VALUE_RESULT == 6, "pm_value_kind numbers");

_Static_assert(offsetof(pm_plugin_descriptor, abi_major) == 4, "pm_plugin_descriptor");
_Static_assert(offsetof(pm_plugin_descriptor, abi_minor) == 6, "pm_plugin_descriptor");
_Static_assert(offsetof(pm_plugin_descriptor, name) == 8, "pm_plugin_descriptor");
_Static_assert(offsetof(pm_plugin_descriptor, version) == 16, "pm_plugin_descriptor");
_Static_assert(offsetof(pm_plugin_descriptor, functions) == 24, "pm_plugin_descriptor");
_Static_assert(offsetof(pm_plugin_descriptor, function_count) == 32, "pm_plugin_descriptor");
_Static_assert(sizeof(pm_plugin_descriptor) == 72, "pm_plugin_descriptor");
