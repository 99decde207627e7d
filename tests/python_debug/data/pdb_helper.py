# A Python function that JS calls (pdb_app.js), with a breakpoint inside.
def double(a):
    breakpoint()
    result = a * 2
    return result
