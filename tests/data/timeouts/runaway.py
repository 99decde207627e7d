# Never ends on its own: `promethean run --timeout` must stop it.
print("started", flush=True)
n = 0
while True:
    n += 1
