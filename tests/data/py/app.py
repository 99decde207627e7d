# A script run by `promethean run` exactly as python3 would run it.
import sys
import helper_beside_script  # imported from the script's own directory

print("name:", __name__)
print("argv:", sys.argv[1:])
print("helper:", helper_beside_script.VALUE)
if len(sys.argv) > 1 and sys.argv[1] == "venv":
    import venv_only_module
    print("venv:", venv_only_module.WHERE)
if len(sys.argv) > 1 and sys.argv[1] == "exit":
    sys.exit(int(sys.argv[2]))
if len(sys.argv) > 1 and sys.argv[1] == "raise":
    def inner():
        raise ValueError("bad value from the script")
    inner()
