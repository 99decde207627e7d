/* Broken plugins for the loader's tests, one per build (BROKEN_KIND selects which):
 *   1  built for ABI major 2          3  a descriptor too short for ABI 1.0
 *   2  exports no entry symbol         4  the entry returns NULL
 * and one that is not broken but old:
 *   5  function descriptors written before the `typed` field existed (struct_size ends at
 *      `function`); the bytes where `typed` would be hold a function that must never be called */
#include <promethean/rust/plugin_abi.h>

#include <stddef.h>

#if BROKEN_KIND == 1
static const pm_plugin_descriptor plugin = {sizeof(pm_plugin_descriptor), 2, 0, "future", "9.0", NULL, 0, {0}};
PM_PLUGIN_EXPORT const pm_plugin_descriptor* promethean_plugin_entry(void) { return &plugin; }
#elif BROKEN_KIND == 2
int not_a_plugin_entry(void) { return 42; }
#elif BROKEN_KIND == 3
static const pm_plugin_descriptor plugin = {8, PM_PLUGIN_ABI_MAJOR, 0, "short", "1.0", NULL, 0, {0}};
PM_PLUGIN_EXPORT const pm_plugin_descriptor* promethean_plugin_entry(void) { return &plugin; }
#elif BROKEN_KIND == 4
PM_PLUGIN_EXPORT const pm_plugin_descriptor* promethean_plugin_entry(void) { return NULL; }
#elif BROKEN_KIND == 5
#include <stdio.h>
/* twice(x): "[x]" -> 2x, from the JSON text (the only form an old host or plugin knows). */
static pm_error* twice(const pm_host_api* host, const char* args, size_t length, const pm_buffer_view* views,
                       size_t view_count, pm_result* result) {
  (void)views;
  (void)view_count;
  long long x = 0;
  if (length < 3 || sscanf(args + 1, "%lld", &x) != 1) return host->error_new(host, "TypeError", "twice(x): x must be an integer");
  char text[32];
  int n = snprintf(text, sizeof text, "%lld", 2 * x);
  return host->result_set_json(result, text, (size_t)n);
}
static pm_error* not_there(const pm_host_api* host, const pm_value* args, size_t arg_count, const pm_buffer_view* views,
                           size_t view_count, pm_value* out, pm_result* result) {
  (void)args;
  (void)arg_count;
  (void)views;
  (void)view_count;
  (void)out;
  (void)result;
  return host->error_new(host, "AbiViolation", "the host read a field beyond the descriptor's struct_size");
}
static const pm_function_descriptor functions[] = {
    {offsetof(pm_function_descriptor, typed), "twice", "(x: int) -> int", twice, not_there, {0}}};
static const pm_plugin_descriptor plugin = {sizeof(pm_plugin_descriptor), PM_PLUGIN_ABI_MAJOR, 0, "oldfn", "0.9", functions, 1, {0}};
PM_PLUGIN_EXPORT const pm_plugin_descriptor* promethean_plugin_entry(void) { return &plugin; }
#endif
