/* Broken plugins for the loader's tests, one per build (BROKEN_KIND selects which):
 *   1  built for ABI major 2          3  a descriptor too short for ABI 1.0
 *   2  exports no entry symbol         4  the entry returns NULL */
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
#endif
