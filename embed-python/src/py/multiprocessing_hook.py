# multiprocessing inside the host, configured at its first import (python_multiprocessing.cpp).
import sys

def _promethean_command(beside):
    """The `promethean` command that children run: $PROMETHEAN (the CLI sets it to itself), else
    one beside libpromethean; None when there is none."""
    import os
    for candidate in [os.environ.get("PROMETHEAN")] + beside:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None

def _configure(mp, beside):
    import os
    from multiprocessing import context, spawn
    # 'spawn' by default (a script may still choose another, or set_start_method as usual).
    default = context._default_context
    if getattr(default, "_actual_context", None) is None and "spawn" in context._concrete_contexts:
        default._default_context = context._concrete_contexts["spawn"]
    python_default = spawn.get_executable
    def get_executable():
        chosen = python_default()
        if os.fsdecode(chosen) != sys.executable:
            return chosen  # set_executable() was called: the script knows best
        command = _promethean_command(beside)
        if command is None:
            raise RuntimeError(
                "multiprocessing cannot start a child process here: its children must be promethean "
                "hosts (so that 'import promethean' works in them), and no promethean command was "
                "found ($PROMETHEAN is not set; looked beside libpromethean in " + ", ".join(beside) +
                "). Set PROMETHEAN to the promethean binary, or call "
                "multiprocessing.set_executable() for Python-only workers.")
        return os.fsencode(command)  # as set_executable() stores it
    spawn.get_executable = get_executable

def find_spec(name, beside):
    """multiprocessing's spec, its loader made to configure the module once it has run."""
    import importlib.util
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return spec
    loader = spec.loader
    run = loader.exec_module
    def exec_module(module):
        run(module)
        _configure(module, beside)
    loader.exec_module = exec_module
    return spec
