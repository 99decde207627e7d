/* A Promethean plugin in plain C, against plugin_abi.h alone: the ABI is language-neutral.
 *
 *   scale(values: float64[...], factor)  multiplies in place, returns the element count
 *   ramp(n)                              a new float64 buffer 0, 1, …, n-1 made with malloc and
 *                                        handed to the host without a copy
 *   describe(buffer)                     {"dtype": d, "ndim": n, "first_byte": b, "id": "b…"}
 *   same(buffer)                         the argument itself, as a result that is only a buffer
 *                                        (result_set_buffer, ABI 1.1: no JSON either way)
 *   py_mean(buffer), py_sqrt(x)          call back into Python (numpy.mean, math.sqrt) through
 *                                        the host, the buffer still a view of the same memory
 */
#include <promethean/rust/plugin_abi.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pm_error* fail(const pm_host_api* host, const char* type, const char* message) {
  return host->error_new(host, type, message);
}

/* The first number in a JSON argument list after the first comma, e.g. "[{…}, 2.5]" -> 2.5. The
 * example keeps its JSON handling minimal on purpose; a real C plugin would use a JSON library. */
static int number_after_comma(const char* json, size_t length, double* out) {
  int depth = 0;
  for (size_t i = 0; i < length; ++i) {
    char c = json[i];
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') --depth;
    if (c == ',' && depth == 1) return sscanf(json + i + 1, "%lf", out) == 1;
  }
  return 0;
}

static pm_error* scale(const pm_host_api* host, const char* args, size_t length, const pm_buffer_view* views,
                       size_t view_count, pm_result* result) {
  if (view_count != 1 || views[0].dtype != PM_DTYPE_FLOAT64) {
    return fail(host, "TypeError", "scale(values, factor): values must be one float64 buffer");
  }
  if (views[0].readonly) return fail(host, "BufferError", "scale writes in place: the buffer is read-only");
  double factor = 0;
  if (!number_after_comma(args, length, &factor)) return fail(host, "TypeError", "scale(values, factor): no factor");
  size_t count = views[0].byte_length / sizeof(double);
  double* data = (double*)views[0].data; /* C order assumed: the host gives contiguous buffers here */
  for (size_t i = 0; i < count; ++i) data[i] *= factor;
  char text[32];
  int n = snprintf(text, sizeof text, "%zu", count);
  return host->result_set_json(result, text, (size_t)n);
}

static void free_ramp(void* memory) { free(memory); }

static pm_error* ramp(const pm_host_api* host, const char* args, size_t length, const pm_buffer_view* views,
                      size_t view_count, pm_result* result) {
  (void)views;
  (void)view_count;
  long n = 0;
  if (length < 3 || sscanf(args + 1, "%ld", &n) != 1 || n < 0) return fail(host, "TypeError", "ramp(n): n must be >= 0");
  double* data = (double*)malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
  if (!data) return fail(host, "MemoryError", "ramp: out of memory");
  for (long i = 0; i < n; ++i) data[i] = (double)i;
  uint64_t shape[1] = {(uint64_t)n};
  pm_buffer* buffer = NULL;
  pm_error* e = host->buffer_adopt(host, data, PM_DTYPE_FLOAT64, 1, shape, free_ramp, data, &buffer);
  if (e) return e; /* the host already called free_ramp */
  size_t index = host->result_add_buffer(result, buffer);
  char text[64];
  int len = snprintf(text, sizeof text, "{\"_type\":\"Buffer\",\"view\":%zu}", index);
  return host->result_set_json(result, text, (size_t)len);
}

static pm_error* describe(const pm_host_api* host, const char* args, size_t length, const pm_buffer_view* views,
                          size_t view_count, pm_result* result) {
  (void)args;
  (void)length;
  if (view_count != 1) return fail(host, "TypeError", "describe(buffer) takes one buffer");
  char text[256];
  unsigned first = views[0].byte_length > 0 ? ((const unsigned char*)views[0].data)[0] : 0;
  int n = snprintf(text, sizeof text, "{\"dtype\": %u, \"ndim\": %u, \"first_byte\": %u, \"id\": \"%s\", \"type\": \"%s\"}",
                   views[0].dtype, views[0].ndim, first, views[0].buffer_id, views[0].type_name);
  return host->result_set_json(result, text, (size_t)n);
}

static pm_error* same(const pm_host_api* host, const char* args, size_t length, const pm_buffer_view* views,
                      size_t view_count, pm_result* result) {
  (void)args;
  (void)length;
  if (view_count != 1) return fail(host, "TypeError", "same(buffer) takes one buffer");
  /* A member newer than 1.0 is used only when the host's table is long enough to have it. */
  if (host->struct_size < offsetof(pm_host_api, result_set_buffer) + sizeof host->result_set_buffer) {
    return fail(host, "AbiMismatch", "same(buffer) needs a host of plugin ABI 1.1 (result_set_buffer)");
  }
  pm_buffer* reference = host->buffer_retain(views[0].buffer); /* the view is borrowed: take a reference */
  if (!reference) return fail(host, "MemoryError", "same: out of memory");
  return host->result_set_buffer(result, reference); /* takes the reference over */
}

/* Forwards the arguments to a Python function, buffers included (they stay views of the same
 * memory), and returns what Python returned. */
static pm_error* forward_to_py(const pm_host_api* host, const char* function, const char* args, size_t length,
                               const pm_buffer_view* views, size_t view_count, pm_result* result) {
  pm_buffer* buffers[8];
  if (view_count > 8) return fail(host, "TypeError", "at most 8 buffers");
  for (size_t i = 0; i < view_count; ++i) buffers[i] = views[i].buffer; /* borrowed for the call */
  pm_result* answer = NULL;
  pm_error* e = host->host_call(host, "py", function, args, length, buffers, view_count, &answer);
  if (e) return e; /* a Python error passes through as it is */
  size_t answer_length = 0;
  const char* json = host->result_json(answer, &answer_length);
  e = host->result_set_json(result, json, answer_length);
  host->result_delete(answer);
  return e;
}

static pm_error* py_mean(const pm_host_api* host, const char* args, size_t length, const pm_buffer_view* views,
                         size_t view_count, pm_result* result) {
  return forward_to_py(host, "numpy.mean", args, length, views, view_count, result);
}

static pm_error* py_sqrt(const pm_host_api* host, const char* args, size_t length, const pm_buffer_view* views,
                         size_t view_count, pm_result* result) {
  return forward_to_py(host, "math.sqrt", args, length, views, view_count, result);
}

static const pm_function_descriptor functions[] = {
    {sizeof(pm_function_descriptor), "scale", "(values: float64[...], factor: number) -> count", scale, NULL, {0}},
    {sizeof(pm_function_descriptor), "ramp", "(n: int) -> float64[n]", ramp, NULL, {0}},
    {sizeof(pm_function_descriptor), "describe", "(buffer) -> {dtype, ndim, first_byte, id, type}", describe, NULL, {0}},
    {sizeof(pm_function_descriptor), "same", "(buffer) -> the same buffer", same, NULL, {0}},
    {sizeof(pm_function_descriptor), "py_mean", "(values: buffer) -> number, by numpy.mean", py_mean, NULL, {0}},
    {sizeof(pm_function_descriptor), "py_sqrt", "(x: number) -> number, by math.sqrt", py_sqrt, NULL, {0}},
};

static const pm_plugin_descriptor plugin = {
    sizeof(pm_plugin_descriptor), PM_PLUGIN_ABI_MAJOR, PM_PLUGIN_ABI_MINOR, "cdemo", "1.0.0",
    functions, sizeof functions / sizeof functions[0], {0},
};

PM_PLUGIN_EXPORT const pm_plugin_descriptor* promethean_plugin_entry(void) { return &plugin; }
