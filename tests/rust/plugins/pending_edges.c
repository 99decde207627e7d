/* A C plugin ("cpending") that drives the pending results of ABI 1.2 through their edges, with
 * nothing but plugin_abi.h. edge(kind) returns a pending result that it settles (or not) before
 * it returns, so that every case is deterministic:
 *   0  completed with [1, 2]                 3  failed with a NULL error (BadResult)
 *   1  completed with an unreadable value    4  completed twice: the first value counts, and the
 *      (a buffer view that does not exist)      second completion and a fail return 0
 *   2  three references, all deleted          5  failed with the plugin's own error
 *      unsettled (PendingDropped)
 */
#include <promethean/rust/plugin_abi.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static pm_error* fail(const pm_host_api* host, const char* type, const char* message) {
  return host->error_new(host, type, message);
}

static pm_result* json_result(const pm_host_api* host, const char* json) {
  pm_result* r = host->result_new(host);
  if (r != NULL) {
    pm_error* e = host->result_set_json(r, json, strlen(json));
    if (e != NULL) {
      host->error_delete(e);
      host->result_delete(r);
      return NULL;
    }
  }
  return r;
}

static pm_error* edge(const pm_host_api* host, const char* args, size_t length, const pm_buffer_view* views,
                      size_t view_count, pm_result* result) {
  (void)views;
  (void)view_count;
  int kind = -1;
  if (length < 3 || sscanf(args + 1, "%d", &kind) != 1) return fail(host, "TypeError", "edge(kind): kind is an integer");
  if (host->struct_size < offsetof(pm_host_api, pending_cancelled) + sizeof host->pending_cancelled) {
    return fail(host, "HostError", "this host has no pending results (ABI 1.2)");
  }
  pm_pending* p = NULL;
  pm_error* e = host->pending_new(host, &p);
  if (e != NULL) return e;
  e = host->result_set_pending(result, p);
  if (e != NULL) {
    host->pending_delete(p);
    return e;
  }
  switch (kind) {
    case 0:
      host->pending_complete(p, json_result(host, "[1, 2]"));
      break;
    case 1: {
      pm_result* bad = json_result(host, "{\"_type\": \"Buffer\", \"view\": 3}");
      if (host->pending_complete(p, bad) != 1) e = fail(host, "Bug", "the unreadable value did not settle the call");
      break;
    }
    case 2: {
      pm_pending* second = host->pending_retain(p);
      pm_pending* third = host->pending_retain(second);
      host->pending_delete(third);
      host->pending_delete(second);
      break;
    }
    case 3:
      host->pending_fail(p, NULL);
      break;
    case 4:
      if (host->pending_complete(p, json_result(host, "\"first\"")) != 1 ||
          host->pending_complete(p, json_result(host, "\"second\"")) != 0 ||
          host->pending_fail(p, fail(host, "Late", "too late")) != 0 || !host->pending_cancelled(p)) {
        e = fail(host, "Bug", "a second settle was not refused");
      }
      break;
    case 5:
      host->pending_fail(p, fail(host, "EdgeError", "failed on purpose"));
      break;
    default:
      e = fail(host, "TypeError", "edge(kind): kind is 0 to 5");
  }
  host->pending_delete(p);
  return e;
}

static const pm_function_descriptor functions[] = {
    {sizeof(pm_function_descriptor), "edge", "(kind: int) -> pending", edge, NULL, {0}},
};

static const pm_plugin_descriptor plugin = {
    sizeof(pm_plugin_descriptor), PM_PLUGIN_ABI_MAJOR, PM_PLUGIN_ABI_MINOR, "cpending", "1.0.0",
    functions, sizeof functions / sizeof functions[0], {0},
};

PM_PLUGIN_EXPORT const pm_plugin_descriptor* promethean_plugin_entry(void) { return &plugin; }
