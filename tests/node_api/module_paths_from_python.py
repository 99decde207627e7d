"""The Python-hosted way into test_module_paths.js: this python3 embeds Node, whose `require`
must find what /usr/bin/node finds too.   python3 module_paths_from_python.py"""
import asyncio
import os

import promethean



async def main() -> None:
    promethean.load("js", os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_module_paths.js"))
    print(await promethean.call_async("js", "test_module_paths.check"))


asyncio.run(main())
