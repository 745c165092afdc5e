# Stand-in for ansible-test's get-pip download, which this network cannot reach.
# scripts/bootstrap.sh copies it to ~/.ansible/test/cache/get_pip_<version>.py.
import ensurepip
import importlib
import os
import runpy
import sys

saved = dict(os.environ)  # ensurepip sets PIP_CONFIG_FILE=/dev/null ...
ensurepip.bootstrap(upgrade=True)
os.environ.clear()
os.environ.update(saved)  # ... which would drop the machine's pip settings (certificates, index)
importlib.invalidate_caches()
sys.argv = ["pip", "install"] + [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
runpy.run_module("pip", run_name="__main__", alter_sys=True)
