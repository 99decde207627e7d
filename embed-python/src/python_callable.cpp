// A Python function resolved once (see python_callable.hpp).
#include "python_callable.hpp"

#include "python_conversion.hpp"
#include "python_deadline.hpp"
#include "python_state.hpp"
#include "python_vectorcall.hpp"
#include "with_gil.hpp"

#include <promethean/host/deadline.hpp>

#include <atomic>

namespace promethean::python {
namespace {

class python_callable final : public callable_target {
 public:
  python_callable(pybind11::object fn, std::string name) : m_fn(fn.release().ptr()), m_name(std::move(name)) {}

  ~python_callable() override {
    auto& s = state();
    if (!s.alive.load()) return;  // the interpreter is gone, and the function's memory with it
    PyObject* fn = m_fn;
    if (PyGILState_Check() != 0) {
      Py_DECREF(fn);
    } else {
      s.releases.push([fn] { Py_DECREF(fn); });
    }
  }

  python_callable(const python_callable&) = delete;
  python_callable& operator=(const python_callable&) = delete;

  message call_json(const message& args, const call_options& options) const override {
    return with_deadline(options, [&] { return "call of '" + m_name + "'"; }, [&] {
      return guarded([&] {
        const nlohmann::json& values = args.value();
        message::cursor at(args);
        return vectorcall_message(m_fn, values.size(), [&](std::size_t i) { return from_message_value(values[i], at); });
      });
    });
  }

  message call_typed(std::span<const argument> args, const call_options& options) const override {
    // No deadline anywhere (run_timed's own test, made here so that the common case is one frame
    // from the callable's call to the vectorcall: the timed path wraps the very same body).
    if (!options.timeout && detail::g_deadline_scopes.load(std::memory_order_relaxed) == 0) [[likely]] {
      return call_typed_now(args);
    }
    return with_deadline(options, [&] { return "call of '" + m_name + "'"; }, [&] { return call_typed_now(args); });
  }

 private:
  /// The typed call under the GIL (guarded's body, inline): an int argument made here, anything
  /// else by from_argument.
  [[gnu::always_inline]] message call_typed_now(std::span<const argument> args) const {
    with_gil gil;
    try {
      return vectorcall_message(m_fn, args.size(), [&](std::size_t i) {
        const argument& a = args[i];
        if (a.type() == argument::kind::integer) {
          auto n = pybind11::reinterpret_steal<pybind11::object>(PyLong_FromLongLong(a.as_int()));
          if (!n) throw pybind11::error_already_set();
          return n;
        }
        return from_argument(a);
      });
    } catch (pybind11::error_already_set& e) {
      throw_from_python(e);
    }
  }

  PyObject* m_fn;  // a strong reference
  std::string m_name;
};

}  // namespace

std::shared_ptr<const callable_target> make_python_callable(pybind11::object fn, std::string name) {
  return std::make_shared<python_callable>(std::move(fn), std::move(name));
}

}  // namespace promethean::python
