/* promethean.h (the embedding C API) and plugin_abi.h (the plugin ABI) in one translation unit,
 * as in a program that embeds the host and also carries a plugin of its own. Names from both
 * headers are used side by side, so a clash between them fails to compile. */
#include <promethean/promethean.h>
#include <promethean/rust/plugin_abi.h>

struct promethean_both_apis {
  /* the C API's handles */
  pm_host_t* host;
  pm_buf_t* buffer;
  pm_message_t* message;
  pm_err_t* error;
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

typedef pm_err_t* (*promethean_buffer_create_fn)(pm_host_t*, const char*, size_t, const size_t*, pm_buf_t**);
typedef const char* (*promethean_version_fn)(void);

size_t promethean_both_apis_size(void);
size_t promethean_both_apis_size(void) {
  struct promethean_both_apis both;
  promethean_buffer_create_fn create = pm_buffer_create;
  promethean_version_fn version = pm_version;
  (void)create;
  (void)version;
  return sizeof both + PM_PLUGIN_ABI_MAJOR + PROMETHEAN_VERSION_MAJOR + PM_VALUE_BUFFER + PM_DTYPE_FLOAT64 +
         PM_HOST_START_EAGERLY;
}
