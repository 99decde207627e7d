/// Promethean's version and export macro: the one header every other one builds on.
///
/// The version below is the only place it is written: CMakeLists.txt reads these three lines.
#pragma once

#define PROMETHEAN_VERSION_MAJOR 0
#define PROMETHEAN_VERSION_MINOR 1
#define PROMETHEAN_VERSION_PATCH 0
#define PROMETHEAN_VERSION_STRING "0.1.0"

/// Marks a symbol exported from libpromethean.so; everything else is hidden (-fvisibility=hidden).
#define PROMETHEAN_API __attribute__((visibility("default")))
