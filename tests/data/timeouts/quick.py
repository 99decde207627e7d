# Ends well before its timeout: its own status and output, untouched.
import sys
print("done")
sys.exit(3)
