"""The Python package as a user installs it (tests/python_api/CMakeLists.txt runs these steps):

  package_check.py wheel SOURCE OUT_DIR
      `pip wheel` of the checkout: the wheel the venv steps install.
  package_check.py venv DIR PYTHON (--wheel-dir OUT_DIR | --checkout SOURCE) [--system-site-packages]
                   --numpy-major N SUITE
      a fresh venv of PYTHON, the package installed into it from the wheel or from the checkout
      (`pip install SOURCE`, exactly as the README says), numpy N.x checked, then the Python API
      suite run in the venv's plain python (the hosted mode) and through the venv's `promethean`
      command (the embedded mode, the CLI the package carries), and the package's types (its
      __init__.pyi and py.typed) checked against it.

  package_check.py examples VENV SOURCE OUT_DIR
      with the package installed in VENV (made with --system-site-packages, for Debian's Jupyter,
      Dask and Pillow): examples/notebook.ipynb executed headless by Debian's jupyter-nbconvert
      on a kernel of the venv, its outputs checked (a picture, the zero-copy lines), and
      examples/dask_pipeline.py run by the venv's python (it checks its own results), on a local
      cluster and on a `dask scheduler` / `dask worker` cluster of separate processes.

Everything runs as a subprocess with the output shown; any failure exits non-zero.
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import time


def run(argv, **kwargs):
    print("+", " ".join(argv), flush=True)
    return subprocess.run(argv, check=True, **kwargs)


def build_wheel(args):
    os.makedirs(args.out, exist_ok=True)
    for old in glob.glob(os.path.join(args.out, "promethean-*.whl")):
        os.remove(old)
    run(["/usr/bin/python3", "-m", "pip", "wheel", "--no-deps", "-w", args.out, args.source])
    wheels = glob.glob(os.path.join(args.out, "promethean-*.whl"))
    if len(wheels) != 1:
        sys.exit(f"expected one promethean wheel in {args.out}, found {wheels}")


def make_venv(args):
    shutil.rmtree(args.dir, ignore_errors=True)
    command = [args.python, "-m", "venv", args.dir]
    if args.system_site_packages:
        command.append("--system-site-packages")
    run(command)
    python = os.path.join(args.dir, "bin", "python")
    if args.checkout:
        run([python, "-m", "pip", "install", args.checkout])
    else:
        wheels = glob.glob(os.path.join(args.wheel_dir, "promethean-*.whl"))
        if len(wheels) != 1:
            sys.exit(f"expected one promethean wheel in {args.wheel_dir}, found {wheels}")
        run([python, "-m", "pip", "install", wheels[0]])
    numpy = subprocess.run([python, "-c", "import numpy; print(numpy.__version__)"], check=True,
                           capture_output=True, text=True).stdout.strip()
    print("numpy", numpy, flush=True)
    if int(numpy.split(".")[0]) != args.numpy_major:
        sys.exit(f"expected numpy {args.numpy_major}.x in the venv, found {numpy}")
    # Run from outside the checkout, so that nothing but the installed package can be imported.
    env = dict(os.environ, PROMETHEAN_LEAK_CHECK="1")
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    run([python, args.suite], cwd=args.dir, env=dict(env, PROMETHEAN_TEST_MODE="hosted"))
    run([os.path.join(args.dir, "bin", "promethean"), "run", args.suite], cwd=args.dir,
        env=dict(env, PROMETHEAN_TEST_MODE="embedded"))
    # The types ship in the package (PEP 561: the stub and py.typed) and describe what it defines.
    package = subprocess.run([python, "-c", "import os, promethean; print(os.path.dirname(promethean.__file__))"],
                             check=True, capture_output=True, text=True, cwd=args.dir, env=env).stdout.strip()
    if not os.path.isfile(os.path.join(package, "py.typed")):
        sys.exit(f"the installed package {package} has no py.typed")
    check_stub = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_stub.py")
    run([python, check_stub, os.path.join(package, "__init__.pyi")], cwd=args.dir, env=env)


def check_examples(args):
    python = os.path.join(args.venv, "bin", "python")
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    # The notebook's kernel is the venv's python, declared as a kernel inside the venv.
    run([python, "-m", "ipykernel", "install", "--prefix", args.venv, "--name", "promethean-venv"], env=env)
    shutil.rmtree(args.out, ignore_errors=True)
    notebook = os.path.join(args.source, "examples", "notebook.ipynb")
    run(["jupyter-nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=promethean-venv",
         "--ExecutePreprocessor.timeout=300", "--output-dir", args.out, notebook],
        env=dict(env, JUPYTER_PATH=os.path.join(args.venv, "share", "jupyter"), PYDEVD_DISABLE_FILE_VALIDATION="1"))
    with open(os.path.join(args.out, "notebook.ipynb")) as f:
        executed = json.load(f)
    text, pictures, errors = "", 0, []
    for cell in executed["cells"]:
        for output in cell.get("outputs", []):
            text += "".join(output.get("text", ""))
            pictures += "image/png" in output.get("data", {})
            if output.get("output_type") == "error":
                errors.append(output.get("ename"))
    print(text, flush=True)
    expected = ["JS wrote into numpy's memory: True", "Rust read numpy's memory: True", "zero-copy: True",
                "awaited a JS Promise: 42; JS awaited a coroutine on the notebook's loop: True"]
    missing = [line for line in expected if line not in text]
    if errors or missing or pictures != 1:
        sys.exit(f"notebook: errors {errors}, missing {missing}, {pictures} picture(s) (expected 1)")
    example = os.path.join(args.source, "examples", "dask_pipeline.py")
    run([python, example, "6"], env=env, cwd=args.venv)
    # The same tasks on a cluster of separate processes, as on several machines: a `dask
    # scheduler` and a `dask worker` of two processes, all started from the venv's python.
    scheduler_file = os.path.join(args.out, "scheduler.json")
    dask = shutil.which("dask")
    cluster = [subprocess.Popen([python, dask, "scheduler", "--host", "127.0.0.1", "--port", "0",
                                 "--dashboard-address", ":0", "--scheduler-file", scheduler_file], env=env)]
    try:
        # The scheduler writes its file in more than one step: wait until it is whole JSON.
        address = None
        for _ in range(300):
            try:
                with open(scheduler_file) as f:
                    address = json.load(f)["address"]
                break
            except (FileNotFoundError, json.JSONDecodeError, KeyError):
                time.sleep(0.1)
        if address is None:
            sys.exit(f"dask scheduler: no complete {scheduler_file} after 30 s")
        cluster.append(subprocess.Popen([python, dask, "worker", address, "--nworkers", "2", "--nthreads", "1",
                                         "--dashboard-address", ":0"], env=env))
        run([python, example, "4", address], env=env, cwd=args.venv)
    finally:
        for process in reversed(cluster):
            process.terminate()
            process.wait(timeout=60)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    steps = parser.add_subparsers(dest="step", required=True)
    wheel = steps.add_parser("wheel")
    wheel.add_argument("source")
    wheel.add_argument("out")
    venv = steps.add_parser("venv")
    venv.add_argument("dir")
    venv.add_argument("python")
    source = venv.add_mutually_exclusive_group(required=True)
    source.add_argument("--wheel-dir")
    source.add_argument("--checkout")
    venv.add_argument("--system-site-packages", action="store_true")
    venv.add_argument("--numpy-major", type=int, required=True)
    venv.add_argument("suite")
    examples = steps.add_parser("examples")
    examples.add_argument("venv")
    examples.add_argument("source")
    examples.add_argument("out")
    args = parser.parse_args()
    try:
        {"wheel": build_wheel, "venv": make_venv, "examples": check_examples}[args.step](args)
    except subprocess.CalledProcessError as e:
        sys.exit(f"failed ({e.returncode}): {' '.join(e.cmd)}")


if __name__ == "__main__":
    main()
