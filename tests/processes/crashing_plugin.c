/* A C plugin for the process tests (tests/processes): one function that writes through a null
 * pointer, as a broken plugin would, and two over the caller's buffer, to show that a buffer lent to
 * a plugin in another process is the caller's own memory. */
#include <promethean/rust/plugin_abi.h>

#include <stdint.h>
#include <stdio.h>

/* null_write(): dereferences a null pointer (SIGSEGV). */
static pm_error* null_write(const pm_host_api* host, const char* args, size_t length, const pm_buffer_view* views,
                            size_t view_count, pm_result* result) {
  (void)host;
  (void)args;
  (void)length;
  (void)views;
  (void)view_count;
  (void)result;
  volatile int* nowhere = NULL;
  *nowhere = 1;
  return NULL;
}

/* fill(buffer, value): every byte of a uint8 buffer set to value; returns the byte count. */
static pm_error* fill(const pm_host_api* host, const char* args, size_t length, const pm_buffer_view* views,
                      size_t view_count, pm_result* result) {
  if (view_count != 1 || views[0].readonly) return host->error_new(host, "TypeError", "fill(buffer, value): one writable buffer");
  long value = 0;
  /* The arguments are JSON text, [<buffer handle>, value]: the value is after the last comma. */
  const char* comma = args + length;
  while (comma > args && *comma != ',') --comma;
  if (comma == args || sscanf(comma + 1, "%ld", &value) != 1) {
    return host->error_new(host, "TypeError", "fill(buffer, value): value must be an integer");
  }
  uint8_t* bytes = (uint8_t*)views[0].data;
  for (uint64_t i = 0; i < views[0].byte_length; ++i) bytes[i] = (uint8_t)value;
  char text[32];
  int n = snprintf(text, sizeof text, "%llu", (unsigned long long)views[0].byte_length);
  return host->result_set_json(result, text, (size_t)n);
}

/* total(buffer): the sum of a uint8 buffer's bytes. */
static pm_error* total(const pm_host_api* host, const char* args, size_t length, const pm_buffer_view* views,
                       size_t view_count, pm_result* result) {
  (void)args;
  (void)length;
  if (view_count != 1) return host->error_new(host, "TypeError", "total(buffer): one buffer");
  const uint8_t* bytes = (const uint8_t*)views[0].data;
  unsigned long long sum = 0;
  for (uint64_t i = 0; i < views[0].byte_length; ++i) sum += bytes[i];
  char text[32];
  int n = snprintf(text, sizeof text, "%llu", sum);
  return host->result_set_json(result, text, (size_t)n);
}

static const pm_function_descriptor functions[] = {
    {sizeof(pm_function_descriptor), "null_write", "() -> never", null_write, NULL, {0}},
    {sizeof(pm_function_descriptor), "fill", "(buffer: uint8[], value: int) -> int", fill, NULL, {0}},
    {sizeof(pm_function_descriptor), "total", "(buffer: uint8[]) -> int", total, NULL, {0}},
};
static const pm_plugin_descriptor plugin = {
    sizeof(pm_plugin_descriptor), PM_PLUGIN_ABI_MAJOR, PM_PLUGIN_ABI_MINOR, "crashy", "1.0", functions, 3, {0}};
PM_PLUGIN_EXPORT const pm_plugin_descriptor* promethean_plugin_entry(void) { return &plugin; }
