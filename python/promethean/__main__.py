"""`python -m promethean ARGS`: the same as the `promethean` command."""

from promethean._cli import main

main()
