// promethean.ForeignFunction: the Python face of another runtime's function (python_foreign_function.hpp).
#include "python_foreign_function.hpp"

#include <structmember.h>

#include <cstddef>

namespace promethean::python {

namespace {
struct foreign_function {
  PyObject_HEAD
  vectorcallfunc vectorcall;  // where CPython finds it: __vectorcalloffset__ below
  foreign_call call;
  PyObject* target;
  PyObject* runtime;  // str
  PyObject* name;     // str
};

foreign_function* self_of(PyObject* o) { return reinterpret_cast<foreign_function*>(o); }

PyObject* vectorcall(PyObject* callable, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  foreign_function* self = self_of(callable);
  if (kwnames != nullptr && PyTuple_GET_SIZE(kwnames) > 0) {
    // As a C function without keywords says it; the other runtime takes positional arguments.
    return PyErr_Format(PyExc_TypeError, "%U() takes no keyword arguments", self->name);
  }
  return self->call(self->target, args, PyVectorcall_NARGS(nargsf));
}

void dealloc(PyObject* o) {
  foreign_function* self = self_of(o);
  PyTypeObject* type = Py_TYPE(o);
  Py_XDECREF(self->target);
  Py_XDECREF(self->runtime);
  Py_XDECREF(self->name);
  type->tp_free(o);
  Py_DECREF(type);  // instances of a heap type hold a reference to it
}

PyObject* repr(PyObject* o) {
  foreign_function* self = self_of(o);
  return PyUnicode_FromFormat("<promethean %U function %U>", self->runtime, self->name);
}

PyMemberDef members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(foreign_function, vectorcall), READONLY, nullptr},
    {"runtime", T_OBJECT, offsetof(foreign_function, runtime), READONLY, "the runtime the function lives in"},
    {"__name__", T_OBJECT, offsetof(foreign_function, name), READONLY, nullptr},
    {"__qualname__", T_OBJECT, offsetof(foreign_function, name), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr},
};

PyType_Slot slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(&dealloc)},
    {Py_tp_repr, reinterpret_cast<void*>(&repr)},
    {Py_tp_call, reinterpret_cast<void*>(&PyVectorcall_Call)},
    {Py_tp_members, members},
    {Py_tp_doc, const_cast<char*>("A function of another runtime (JS, Rust, sh, meta), called with positional "
                                  "arguments; its errors raise promethean.ForeignError.")},
    {0, nullptr},
};

PyType_Spec spec = {
    "promethean.ForeignFunction",
    static_cast<int>(sizeof(foreign_function)),
    0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    slots,
};
}  // namespace

PyObject* foreign_function_type() {
  static PyObject* type = nullptr;  // one per process, as the interpreter; never freed
  if (type == nullptr) type = PyType_FromSpec(&spec);
  return type;
}

PyObject* make_foreign_function(PyObject* target, foreign_call call, const std::string& runtime, const std::string& name) {
  PyObject* type = foreign_function_type();
  if (type == nullptr) return nullptr;
  PyObject* o = PyType_GenericAlloc(reinterpret_cast<PyTypeObject*>(type), 0);
  if (o == nullptr) return nullptr;
  foreign_function* self = self_of(o);
  self->vectorcall = &vectorcall;
  self->call = call;
  Py_INCREF(target);
  self->target = target;
  self->runtime = PyUnicode_FromStringAndSize(runtime.data(), static_cast<Py_ssize_t>(runtime.size()));
  self->name = PyUnicode_FromStringAndSize(name.data(), static_cast<Py_ssize_t>(name.size()));
  if (self->runtime == nullptr || self->name == nullptr) {
    Py_DECREF(o);
    return nullptr;
  }
  return o;
}

}  // namespace promethean::python
