#!/usr/bin/env bash
# The module_utils against a real PocketBase: the pytest files beside this script (test_client.py for
# plugins/module_utils/_client.py, test_lifecycle.py, test_spool.py, test_tasks.py), with the server and the fault
# proxy their conftest.py starts. The unit tests (tests/unit) start no server. A failed or skipped test fails
# the target; so does a run that collects fewer tests than these files hold.
set -euxo pipefail

collections=$(echo "$ANSIBLE_COLLECTIONS_PATH" | cut -d: -f1)
PYTHONPATH=$collections${PYTHONPATH:+:$PYTHONPATH}
export PYTHONPATH
out=${OUTPUT_DIR:?}

python -m pytest -p no:cacheprovider --strict-markers -r a --color no --rootdir "$PWD" \
  --junit-xml "$out/module_utils_pocketbase.xml" test_client.py test_lifecycle.py test_spool.py test_tasks.py

# Every test function the files define ran (a parametrized one at least once): none was left out of the run.
python - "$out/module_utils_pocketbase.xml" test_client.py test_lifecycle.py test_spool.py test_tasks.py <<'PY'
import ast, sys, xml.etree.ElementTree as ET
ran = {case.get("name").split("[")[0] for case in ET.parse(sys.argv[1]).iter("testcase")}
defined = {node.name for path in sys.argv[2:] for node in ast.parse(open(path).read()).body
           if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}
missing = sorted(defined - ran)
assert not missing, f"defined but not run: {missing}"
print(f"{len(defined)} test functions, all run")
PY
