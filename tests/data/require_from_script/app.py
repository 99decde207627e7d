# Code this script evaluates in JS resolves `require` from this script's folder (its
# node_modules), whatever the working directory: the tests run it from /.
import promethean

print(promethean.eval("js", "require('script_local').where()"))
