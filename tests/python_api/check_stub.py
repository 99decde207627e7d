"""Checks python/promethean/__init__.pyi against the `promethean` module this Python imports (the
built-in module inside `promethean run`, the package in a plain python3), so that the types cannot
drift from the API: the same public names both ways (the stub's __all__ too), a class where the
module has a class, and, for every function, the parameters the module declares (its signature,
or pybind11's first docstring line where it has none) in the stub, in order, with the same kind.

    promethean run tests/python_api/check_stub.py STUB      python3 tests/python_api/check_stub.py STUB
"""
import ast
import inspect
import re
import sys

import promethean


def stub_definitions(tree):
    """Top-level names of the stub: {name: [ast nodes]} (an @overload'ed function has several)."""
    names = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.setdefault(node.target.id, []).append(node)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names.setdefault(target.id, []).append(node)
    return names


def stub_all(definitions):
    nodes = definitions.get("__all__", [])
    if len(nodes) != 1 or not isinstance(nodes[0].value, ast.List):
        return None
    return {element.value for element in nodes[0].value.elts}


def stub_parameters(function):
    """[(name, kind)] of a stub function, kind as inspect.Parameter names it."""
    a = function.args
    out = [(p.arg, "POSITIONAL_ONLY") for p in a.posonlyargs]
    out += [(p.arg, "POSITIONAL_OR_KEYWORD") for p in a.args]
    if a.vararg:
        out.append((a.vararg.arg, "VAR_POSITIONAL"))
    out += [(p.arg, "KEYWORD_ONLY") for p in a.kwonlyargs]
    if a.kwarg:
        out.append((a.kwarg.arg, "VAR_KEYWORD"))
    return out


def split_top_level(text):
    """Splits "a: Dict[str, int] = {}, b" at the commas outside brackets."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def runtime_parameters(name, value):
    """[(name, kind)] the module declares for a function, or None where it declares nothing."""
    try:
        return [(p.name, p.kind.name) for p in inspect.signature(value).parameters.values()]
    except (TypeError, ValueError):
        pass
    # A pybind11 function: "eval(runtime: str, code: str, *, timeout: handle = None) -> object".
    first = (value.__doc__ or "").split("\n", 1)[0]
    m = re.match(re.escape(name) + r"\((.*)\) -> ", first)
    if m is None:
        return None
    out, kind = [], "POSITIONAL_OR_KEYWORD"
    for part in split_top_level(m.group(1)):
        bare = re.split(r"[:=]", part, 1)[0].strip()
        if bare == "*":
            kind = "KEYWORD_ONLY"
        elif bare.startswith("**"):
            out.append((bare[2:], "VAR_KEYWORD"))
        elif bare.startswith("*"):
            out.append((bare[1:], "VAR_POSITIONAL"))
            kind = "KEYWORD_ONLY"
        else:
            out.append((bare, kind))
    return out


def parameter_problems(name, declared, overloads):
    """What the stub says wrongly of a function's parameters (empty when it agrees)."""
    problems = []
    declared_names = {n: k for n, k in declared}
    takes_keywords = any(k == "VAR_KEYWORD" for _, k in declared)
    for function in overloads:
        given = stub_parameters(function)
        for n, k in given:
            if n in declared_names:
                # The stub may make a parameter stricter (positional-only), not of another kind.
                if declared_names[n] != k and not (declared_names[n] == "POSITIONAL_OR_KEYWORD" and k == "POSITIONAL_ONLY"):
                    problems.append(f"{name}: parameter {n} is {k} in the stub, {declared_names[n]} in the module")
            elif not (takes_keywords and k == "KEYWORD_ONLY"):
                # A keyword-only parameter the module reads from **kwargs (call_async's timeout) is right.
                problems.append(f"{name}: the stub has a parameter {n} that the module does not")
        if len(overloads) == 1:
            missing = [n for n, _ in declared if n not in {g for g, _ in given}]
            if missing:
                problems.append(f"{name}: the stub lacks the parameter(s) {', '.join(missing)}")
            order = [n for n, _ in given if n in declared_names]
            if order != [n for n, _ in declared if n in order]:
                problems.append(f"{name}: parameters in another order than the module's ({order})")
    return problems


def attribute_problems(name, cls, node):
    """The attributes and properties the stub gives a class and the module's class lacks. An
    attribute set by __init__ (ForeignError's) is looked for on an instance, made with each of the
    stub's __init__ parameters given its own name as a str."""
    wanted = [item.target.id for item in node.body if isinstance(item, ast.AnnAssign)]
    for item in node.body:
        is_property = isinstance(item, ast.FunctionDef) and any(getattr(d, "id", "") == "property" for d in item.decorator_list)
        if is_property or isinstance(item, ast.FunctionDef) and not item.name.startswith("__"):
            wanted.append(item.name)
    instance = None
    init = [item for item in node.body if isinstance(item, ast.FunctionDef) and item.name == "__init__"]
    if init:
        arguments = [p.arg for p in init[0].args.args[1:]]
        try:
            instance = cls(*arguments)
        except (TypeError, ValueError):
            # A constructor that checks its arguments (Pool's size is a number): the class alone.
            arguments = []
        for argument in arguments:
            if argument in wanted and getattr(instance, argument) != argument:
                return [f"{name}.{argument}: not the constructor's argument {argument}"]
    missing = [a for a in wanted if not hasattr(cls, a) and not (instance is not None and hasattr(instance, a))]
    return [f"{name}.{a}: in the stub, not in the module" for a in missing]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check_stub.py PATH_TO_promethean/__init__.pyi")
    with open(sys.argv[1], encoding="utf-8") as f:
        definitions = stub_definitions(ast.parse(f.read(), sys.argv[1]))
    public_stub = {n for n in definitions if not n.startswith("_")}
    public_module = {n for n in dir(promethean) if not n.startswith("_")}
    problems = []
    for n in sorted(public_module - public_stub):
        problems.append(f"{n}: in the module, not in the stub")
    for n in sorted(public_stub - public_module):
        problems.append(f"{n}: in the stub, not in the module")
    if stub_all(definitions) != public_stub:
        problems.append(f"the stub's __all__ differs from its public names in {sorted((stub_all(definitions) or set()) ^ public_stub)}")
    if hasattr(promethean, "__all__") and set(promethean.__all__) != public_module:
        problems.append(f"the module's __all__ is not its public names: {sorted(set(promethean.__all__) ^ public_module)}")
    if "__version__" not in definitions or not isinstance(getattr(promethean, "__version__", None), str):
        problems.append("__version__: a str in the module and in the stub")
    checked = 0
    for n in sorted(public_module & public_stub):
        value, nodes = getattr(promethean, n), definitions[n]
        is_class = all(isinstance(node, ast.ClassDef) for node in nodes)
        if isinstance(value, type) != is_class:
            problems.append(f"{n}: a {'class' if isinstance(value, type) else 'function'} in the module, not in the stub")
            continue
        if is_class:
            problems += attribute_problems(n, value, nodes[0])
            continue
        if not callable(value):
            continue
        declared = runtime_parameters(n, value)
        if declared is None:
            problems.append(f"{n}: the module declares no parameters to compare (no signature, no pybind11 docstring)")
            continue
        problems += parameter_problems(n, declared, nodes)
        checked += 1
    if problems:
        print("check_stub: the stub and the module differ:\n  " + "\n  ".join(problems))
        sys.exit(1)
    print(f"check_stub: {len(public_module)} public names agree, the parameters of {checked} functions")


main()
