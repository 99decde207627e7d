"""The `promethean` command of the Python package: the CLI binary the wheel carries
(promethean/bin/promethean), run in this process's place.

Started from a venv, the CLI's embedded Python (Debian's python3) also sees that venv's
packages: $VIRTUAL_ENV is set to it, as `source venv/bin/activate` would.
"""

import os
import sys


def executable() -> str:
    """The CLI binary inside the installed package."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "promethean")


def main() -> None:
    exe = executable()
    if sys.prefix != sys.base_prefix and not os.environ.get("VIRTUAL_ENV"):
        os.environ["VIRTUAL_ENV"] = sys.prefix
    try:
        os.execv(exe, [exe] + sys.argv[1:])
    except OSError as e:
        sys.exit(f"promethean: cannot run the CLI binary {exe}: {e.strerror}")


if __name__ == "__main__":
    main()
