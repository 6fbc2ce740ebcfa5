"""TAP output for the Python integration tests: check() each assertion, finish() at the end."""
import sys

_n = 0
_failures = 0


def check(cond, what, detail=""):
    """One TAP line for @cond; the last 40 lines of @detail as comments when it failed."""
    global _n, _failures
    _n += 1
    if cond:
        print(f"ok {_n} - {what}")
    else:
        _failures += 1
        print(f"not ok {_n} - {what}")
        for line in str(detail).splitlines()[-40:]:
            print(f"#   {line}")
    sys.stdout.flush()


def finish():
    """Print the plan; the exit status (1 when a check failed)."""
    print(f"1..{_n}")
    return 1 if _failures else 0
