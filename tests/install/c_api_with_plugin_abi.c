/* promethean.h (the embedding C API) and plugin_abi.h (the plugin ABI) in one translation unit,
 * as in a program that embeds the host and also carries a plugin of its own. Names from both
 * headers are used side by side, so a clash between them fails to compile. The two share one
 * error type and one buffer reference (pm_error, pm_buffer): a plugin's table member and the C
 * API's function of the same name have the same type. */
#include <promethean/promethean.h>
#include <promethean/rust/plugin_abi.h>

struct promethean_both_apis {
  /* the C API's handles */
  pm_host* host;
  pm_buffer* buffer;
  pm_message* message;
  pm_error* error;
  /* the plugin ABI's */
  pm_buffer* plugin_buffer;
  pm_error* plugin_error;
  pm_result* plugin_result;
  pm_buffer_view view;
  pm_host_api host_api;
  pm_value value;
  pm_dtype dtype;
  pm_plugin_entry entry;
  pm_plugin_function function;
  pm_plugin_typed_function typed;
  pm_function_descriptor function_descriptor;
  pm_plugin_descriptor plugin_descriptor;
};

typedef pm_error* (*promethean_buffer_create_fn)(pm_host*, const char*, size_t, const size_t*, pm_buffer**);
typedef const char* (*promethean_version_fn)(void);

size_t promethean_both_apis_size(void);
size_t promethean_both_apis_size(void) {
  struct promethean_both_apis both;
  promethean_buffer_create_fn create = pm_buffer_create;
  promethean_version_fn version = pm_version;
  pm_error_field_fn message = pm_error_message;        /* the shape of host->error_message too */
  pm_error_delete_fn error_delete = pm_error_delete;   /* the shape of host->error_delete too */
  struct promethean_both_apis same;
  same.host_api.error_message = pm_error_message;      /* one type for both: this compiles */
  same.host_api.error_delete = pm_error_delete;
  same.plugin_error = same.error = NULL;
  same.plugin_buffer = same.buffer = NULL;
  (void)create;
  (void)version;
  (void)message;
  (void)error_delete;
  (void)same;
  return sizeof both + PM_PLUGIN_ABI_MAJOR + PROMETHEAN_VERSION_MAJOR + PM_VALUE_BUFFER + PM_DTYPE_FLOAT64 +
         PM_HOST_START_EAGERLY;
}
