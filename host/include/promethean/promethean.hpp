/// The one include of a C++ program that embeds Promethean: the Host (`promethean::Host`), its
/// buffers (`host.buffers()`, xtensor views), messages and MetaObjects, the JSON handles of
/// buffers, and the error family. docs/EMBEDDING.md is the guide; promethean.h is the C API.
#pragma once

#include <promethean/buffer/buffer.hpp>
#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/buffer_type.hpp>
#include <promethean/buffer/xtensor.hpp>
#include <promethean/config.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>
#include <promethean/host/host_buffers.hpp>
#include <promethean/host/message.hpp>
#include <promethean/host/meta_object.hpp>
