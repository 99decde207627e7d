// Loaded by the Python API suite (test_python_api.py): a global object with a function.
globalThis.apiHelpers = { shout: (s) => s.toUpperCase() + '!' };
