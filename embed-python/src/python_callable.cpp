// A Python function resolved once (see python_callable.hpp).
#include "python_callable.hpp"

#include "python_conversion.hpp"
#include "python_deadline.hpp"
#include "python_state.hpp"
#include "python_vectorcall.hpp"
#include "with_gil.hpp"

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
    return with_deadline(options, [&] { return "call of '" + m_name + "'"; }, [&] {
      return guarded([&] {
        return vectorcall_message(m_fn, args.size(), [&](std::size_t i) { return from_argument(args[i]); });
      });
    });
  }

 private:
  PyObject* m_fn;  // a strong reference
  std::string m_name;
};

}  // namespace

std::shared_ptr<const callable_target> make_python_callable(pybind11::object fn, std::string name) {
  return std::make_shared<python_callable>(std::move(fn), std::move(name));
}

}  // namespace promethean::python
