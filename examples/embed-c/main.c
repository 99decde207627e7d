/* Embedding the whole Promethean host in a C program through promethean.h: Python and
 * JavaScript evaluated in process, a Rust plugin (imageops) called, and one buffer shared by all
 * of them without a copy: written and read here through pm_buffer_data; and a DLPack tensor of this
 * program's own memory shared the same way.
 *
 * Usage: embed_c PLUGIN   (the path of libimageops.so: <prefix>/lib/promethean/plugins/, installed) */
#include <promethean/promethean.h>

#include <dlpack/dlpack.h> /* Debian's libdlpack-dev: only to make and read a DLPack tensor here */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

static void expect(int ok, const char* what) {
  printf("%s %s\n", ok ? "ok  " : "FAIL", what);
  if (!ok) ++failures;
}

/* Prints and frees an unexpected error; returns 1 when there was one. */
static int failed(pm_error* err, const char* what) {
  if (err == NULL) return 0;
  fprintf(stderr, "embed-c: %s: %s %s: %s\n%s\n", what, pm_error_runtime(err), pm_error_type(err),
          pm_error_message(err), pm_error_trace(err));
  pm_error_delete(err);
  ++failures;
  return 1;
}

/* Evaluates code and compares the result's JSON with `expected`. */
static void expect_eval(pm_host* host, const char* runtime, const char* code, const char* expected) {
  pm_message* result = NULL;
  if (failed(pm_host_eval(host, runtime, code, &result), code)) return;
  char what[256];
  snprintf(what, sizeof what, "%s: %s = %s (got %s, from %s)", runtime, code, expected, pm_message_json(result),
           pm_message_source(result));
  expect(strcmp(pm_message_json(result), expected) == 0 && strcmp(pm_message_source(result), runtime) == 0, what);
  pm_message_delete(result);
}

/* Calls a function and compares the result's JSON with `expected`. */
static void expect_call(pm_host* host, const char* runtime, const char* function, const char* args,
                        const char* expected) {
  pm_message* result = NULL;
  if (failed(pm_host_call(host, runtime, function, args, &result), function)) return;
  char what[256];
  snprintf(what, sizeof what, "%s %s(...) = %s (got %s)", runtime, function, expected, pm_message_json(result));
  expect(strcmp(pm_message_json(result), expected) == 0, what);
  pm_message_delete(result);
}

/* Sends a JSON message and compares the reply's JSON with `expected`. */
static void expect_reply(pm_host* host, const char* runtime, const char* payload, const char* expected) {
  pm_message* reply = NULL;
  if (failed(pm_host_send_json(host, runtime, payload, &reply), payload)) return;
  char what[256];
  snprintf(what, sizeof what, "%s replied %s to %s (got %s)", runtime, expected, payload, pm_message_json(reply));
  expect(strcmp(pm_message_json(reply), expected) == 0, what);
  pm_message_delete(reply);
}

/* Expects `err` to be an error of `runtime` and `type`; frees it. */
static void expect_error(pm_error* err, const char* runtime, const char* type, const char* what) {
  char line[512];
  snprintf(line, sizeof line, "%s: %s %s (got %s %s: %s)", what, runtime, type, pm_error_runtime(err),
           pm_error_type(err), err ? pm_error_message(err) : "no error");
  expect(err != NULL && strcmp(pm_error_runtime(err), runtime) == 0 && strcmp(pm_error_type(err), type) == 0, line);
  pm_error_delete(err);
}

/* A DLPack producer: six floats of this program's own memory, its deleter's calls counted. */
static float produced[6] = {0, 1, 2, 3, 4, 5};
static int64_t produced_shape[1] = {6};
static int produced_deleted = 0;
static void delete_produced(DLManagedTensor* tensor) {
  (void)tensor;
  ++produced_deleted;
}

/* The tensor becomes a buffer (no copy), Python and JS use it, and a buffer becomes a tensor. */
static void share_a_dlpack_tensor(pm_host* host) {
  /* static: a DLManagedTensor must live until its deleter runs (JS may hold the buffer until the
   * host stops), as a producer's heap-allocated one would. */
  static DLManagedTensor tensor;
  tensor.dl_tensor.data = produced;
  tensor.dl_tensor.device.device_type = kDLCPU;
  tensor.dl_tensor.ndim = 1;
  tensor.dl_tensor.dtype.code = kDLFloat;
  tensor.dl_tensor.dtype.bits = 32;
  tensor.dl_tensor.dtype.lanes = 1;
  tensor.dl_tensor.shape = produced_shape;
  tensor.deleter = delete_produced;
  pm_buffer* adopted = NULL;
  /* The tensor is Promethean's now: its deleter runs once, when no runtime holds the buffer. */
  if (failed(pm_buffer_from_dlpack(&tensor, &adopted), "pm_buffer_from_dlpack")) return;
  expect(pm_buffer_data(adopted) == (void*)produced && strcmp(pm_buffer_format(adopted), "float32") == 0,
         "a DLPack tensor is a float32 buffer over this program's memory");
  char* handle = pm_buffer_json(adopted);
  char args[1024];
  snprintf(args, sizeof args, "[%s]", handle);
  pm_string_delete(handle);
  expect_call(host, "py", "float", "[15]", "15.0");
  failed(pm_host_eval(host, "py", "import numpy\ndef dl_total(a):\n    return float(numpy.sum(a))", NULL), "dl_total");
  expect_call(host, "py", "dl_total", args, "15.0");
  failed(pm_host_eval(host, "js", "promethean.export('double_all', (a) => { for (let i = 0; i < a.length; i++) a[i] *= 2; "
                                  "return a.length; })", NULL),
         "export double_all");
  expect_call(host, "js", "double_all", args, "6");
  expect(produced[5] == 10.0f, "JS doubled this program's floats in place");
  DLManagedTensor* exported = NULL;
  if (!failed(pm_buffer_to_dlpack(adopted, &exported), "pm_buffer_to_dlpack")) {
    pm_buffer_delete(adopted);
    adopted = NULL;
    expect(exported->dl_tensor.data == (void*)produced && exported->dl_tensor.shape[0] == 6 && produced_deleted == 0,
           "a tensor made from the buffer keeps the memory after the last pm_buffer is deleted");
    exported->deleter(exported); /* as its consumer would, once */
  }
  pm_buffer_delete(adopted);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s PLUGIN (the path of libimageops.so)\n", argv[0]);
    return 2;
  }
  printf("libpromethean %s (headers %s)\n", pm_version(), PROMETHEAN_VERSION_STRING);

  pm_host* host = NULL;
  if (failed(pm_host_new("py,js,rust", 0, &host), "pm_host_new")) return EXIT_FAILURE;

  expect_eval(host, "py", "6 * 7", "42");
  expect_eval(host, "js", "['a', 'b'].join('+')", "\"a+b\"");

  /* A 4x4 uint8 host buffer, written here through its data pointer: 0, 1, …, 15. */
  const size_t shape[2] = {4, 4};
  pm_buffer* image = NULL;
  if (failed(pm_buffer_create(host, "uint8", 2, shape, &image), "pm_buffer_create")) {
    pm_host_delete(host);
    return EXIT_FAILURE;
  }
  uint8_t* bytes = (uint8_t*)pm_buffer_data(image);
  for (int i = 0; i < 16; ++i) bytes[i] = (uint8_t)i;

  const ptrdiff_t* strides = pm_buffer_strides(image);
  expect(strides[0] == 4 && strides[1] == 1 && pm_buffer_itemsize(image) == 1 && pm_buffer_nbytes(image) == 16 &&
             !pm_buffer_readonly(image) && strcmp(pm_buffer_type(image), "") == 0,
         "the buffer's layout: strides [4, 1] bytes, 16 bytes, writable, untyped");
  pm_buffer* second = pm_buffer_retain(image);
  expect(second != NULL && strcmp(pm_buffer_id(second), pm_buffer_id(image)) == 0 &&
             pm_buffer_data(second) == pm_buffer_data(image),
         "pm_buffer_retain: another reference to the same buffer");
  pm_buffer_delete(second);

  /* Its handle goes into the arguments; each runtime gets a view of these same bytes. */
  char* handle = pm_buffer_json(image);
  char args[1024];
  snprintf(args, sizeof args, "[%s]", handle);
  expect_call(host, "py", "numpy.sum", args, "120");

  /* The Rust plugin inverts the bytes in place: the change is visible here, through the pointer. */
  if (!failed(pm_host_load(host, "rust", argv[1]), "load the plugin")) {
    expect_call(host, "rust", "imageops.invert", args, "null");
    expect(bytes[0] == 255 && bytes[15] == 240, "the plugin's in-place invert is visible through pm_buffer_data");
    char sample_args[1024];
    snprintf(sample_args, sizeof sample_args, "[%s, 3, 0.5]", handle);
    expect_call(host, "rust", "imageops.sample", sample_args, "126.0");
  }

  /* JavaScript sees the same bytes as a Uint8Array: the sum of 255 … 240. */
  /* A NULL result pointer drops the value (here the exported function's handle). */
  failed(pm_host_eval(host, "js", "promethean.export('sum_bytes', (a) => a.reduce((s, v) => s + v, 0))", NULL),
         "export sum_bytes");
  expect_call(host, "js", "sum_bytes", args, "3960");
  pm_string_delete(handle);

  /* A time limit: runaway code is stopped with a "Timeout" error, and the host goes on. */
  failed(pm_host_eval(host, "js", "globalThis.spin = () => { for (;;) {} }", NULL), "define spin");
  expect_error(pm_host_call_with_timeout(host, "js", "spin", NULL, 0.3, NULL), "js", "Timeout",
               "pm_host_call_with_timeout stops runaway JS");
  expect_error(pm_host_eval_with_timeout(host, "py", "while True: pass", 0.3, NULL), "py", "Timeout",
               "pm_host_eval_with_timeout stops runaway Python");
  expect_error(pm_host_eval_with_timeout(host, "py", "1", -1.0, NULL), "host", "UsageError", "a negative timeout");
  expect_eval(host, "js", "6 * 7", "42");
  /* Keyword arguments: a last argument {"_type": "Kwargs", "values": {...}} (a Python function's
   * keywords; a JS function's last object). */
  expect_call(host, "py", "sorted", "[[3, 1, 2], {\"_type\": \"Kwargs\", \"values\": {\"reverse\": true}}]", "[3,2,1]");
  expect_call(host, "py", "int", "[\"ff\", {\"_type\": \"Kwargs\", \"values\": {\"base\": 16}}]", "255");
  pm_message* in_time = NULL;
  if (!failed(pm_host_call_with_timeout(host, "py", "max", "[3, 9]", 5.0, &in_time), "a call within its time")) {
    expect(strcmp(pm_message_json(in_time), "9") == 0, "a call that ends in time returns its value");
    pm_message_delete(in_time);
  }

  /* A buffer made by Python: the message holds it; a reference taken from it outlives the message. */
  pm_message* made = NULL;
  if (!failed(pm_host_eval(host, "py", "__import__('numpy').arange(6.0).reshape(2, 3)", &made), "numpy.arange")) {
    expect(pm_message_buffer_count(made) == 1, "the result names one buffer");
    pm_buffer* array = pm_message_buffer(made, 0);
    pm_message_delete(made);
    const size_t* s = pm_buffer_shape(array);
    const double* d = (const double*)pm_buffer_data(array);
    expect(array != NULL && strcmp(pm_buffer_format(array), "float64") == 0 && pm_buffer_ndim(array) == 2 &&
               s[0] == 2 && s[1] == 3 && d[5] == 5.0,
           "numpy's array, read in place: float64 [2, 3], last value 5");
    pm_buffer* again = NULL;
    if (!failed(pm_buffer_get(host, pm_buffer_id(array), &again), "pm_buffer_get")) {
      expect(pm_buffer_data(again) == pm_buffer_data(array), "pm_buffer_get finds the same memory by id");
      pm_buffer_delete(again);
    }
    pm_buffer_delete(array);
  }

  /* A buffer type, a buffer of it, and a buffer the Rust plugin makes from it (its own memory,
   * handed over without a copy). Every pixel is grey, so its luma is its value: 0, 10, 20, 30. */
  if (!failed(pm_host_register_buffer_type(
                  host, "{\"name\": \"ImageRGB\", \"layout\": [\"height\", \"width\", \"channels\"], "
                        "\"format\": \"uint8\", \"fixed\": {\"channels\": 3}}"),
              "pm_host_register_buffer_type")) {
    pm_buffer* rgb = NULL;
    if (!failed(pm_buffer_create_typed(host, "ImageRGB", "{\"height\": 2, \"width\": 2}", &rgb), "ImageRGB")) {
      uint8_t* px = (uint8_t*)pm_buffer_data(rgb);
      for (int i = 0; i < 12; ++i) px[i] = (uint8_t)(10 * (i / 3));
      expect(strcmp(pm_buffer_type(rgb), "ImageRGB") == 0 && pm_buffer_shape(rgb)[2] == 3,
             "an ImageRGB buffer of 2x2 pixels has 3 channels");
      char* rgb_handle = pm_buffer_json(rgb);
      char gray_args[1024];
      snprintf(gray_args, sizeof gray_args, "[%s]", rgb_handle);
      pm_string_delete(rgb_handle);
      pm_message* gray = NULL;
      if (!failed(pm_host_call(host, "rust", "imageops.grayscale", gray_args, &gray), "imageops.grayscale")) {
        pm_buffer* g = pm_message_buffer(gray, 0);
        pm_message_delete(gray);
        const uint8_t* v = (const uint8_t*)pm_buffer_data(g);
        expect(g != NULL && pm_buffer_ndim(g) == 2 && v[0] == 0 && v[1] == 10 && v[2] == 20 && v[3] == 30,
               "the plugin's grayscale buffer, read in place: 0 10 20 30");
        pm_buffer_delete(g);
      }
      pm_buffer_delete(rgb);
    }
  }

  /* JSON messages: Python's handler (an exported function) and JS's reply. */
  failed(pm_host_eval(host, "py", "import promethean\n@promethean.export\ndef on_msg(m):\n    return m['n'] + 1", NULL),
         "define on_msg");
  if (!failed(pm_host_set_message_handler(host, "py", "on_msg"), "pm_host_set_message_handler")) {
    expect_reply(host, "py", "{\"n\": 41}", "42");
  }
  failed(pm_host_eval(host, "js", "promethean.onMessage((m) => ({echo: m.n * 2}))", NULL), "onMessage");
  expect_reply(host, "js", "{\"n\": 21}", "{\"echo\":42}");
  char* names = NULL;
  if (!failed(pm_host_runtimes(host, &names), "pm_host_runtimes")) {
    expect(strcmp(names, "[\"js\",\"py\",\"rust\"]") == 0, "the host offers js, py and rust");
    pm_string_delete(names);
  }

  share_a_dlpack_tensor(host);

  /* Errors are owned objects; nothing crashes on bad input. */
  pm_message* none = NULL;
  expect_error(pm_host_eval(host, "py", "1 / 0", &none), "py", "ZeroDivisionError", "python's exception");
  expect_error(pm_host_call(host, "js", "JSON.parse", "[1,", &none), "host", "MessageError", "bad JSON arguments");
  expect_error(pm_host_eval(host, "cobol", "1", &none), "host", "UsageError", "an unknown runtime");
  expect_error(pm_host_eval(NULL, "py", "1", &none), "host", "UsageError", "a NULL host");
  expect_error(pm_host_call(host, "py", "len", "{\"not\": \"an array\"}", &none), "host", "UsageError",
               "arguments that are not an array");
  expect_error(pm_buffer_get(host, "b999999999", &image), "host", "BufferError", "an id naming no buffer");
  expect_error(pm_host_register_buffer_type(host, "{\"name\": \"Bad\", \"layout\": \"hw\"}"), "host", "UsageError",
               "a buffer type whose layout is not an array");
  expect_error(pm_buffer_create_typed(host, "ImageRGB", "{\"height\": -2, \"width\": 2}", &image), "host",
               "UsageError", "a negative size");
  expect_error(pm_buffer_create_typed(host, "ImageRGB", "{\"height\": 2}", &image), "host", "BufferTypeError",
               "a missing size");
  expect_error(pm_buffer_create(host, "complex128", 2, shape, &image), "host", "FormatError", "an unknown format");
  expect(none == NULL, "a failed call writes no result");

  pm_buffer_delete(image);
  pm_host_delete(host);
  expect(produced_deleted == 1, "the DLPack producer's deleter ran exactly once, JS and Python done with it");
  printf("%s\n", failures == 0 ? "embed-c: all checks passed" : "embed-c: checks failed");
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
