#!/bin/sh
# The first Promethean example: the sh runtime, and the `promethean` binary that runs this script
# (it sets $PROMETHEAN to itself). Run it with:  promethean run examples/hello.sh
set -e
: "${PROMETHEAN:?run this script with: promethean run examples/hello.sh}"

echo "hello from sh (pid $$)"
echo "== the runtimes of this build =="
"$PROMETHEAN" runtimes
echo "== a MetaObject: the result and the runtime it came from =="
"$PROMETHEAN" eval --meta sh 'uname -sm'
