# Writes far more than a reader that stops after one line takes: stdout becomes a closed pipe.
for i in range(200000):
    print("line", i)
