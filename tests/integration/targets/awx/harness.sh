# shellcheck shell=bash
# The AWX side of this target's jobs, sourced by runme.sh, which then calls awx_harness OUTPUT_DIR PYTHON COLLECTION_ROOT.
# Each job runs under real ansible-runner as AWX runs it (tests/utils/awx_job.py): its own private data dir, a fresh
# HOME, the environment and extra vars its credentials' injectors give it, and the AWX fact store ($awx/facts)
# written into its jsonfile fact cache before it starts and read back after it ends ("Enable Fact Storage").
#
#   awx_harness OUT PYTHON ROOT  set it up: the store in OUT/awx, jobs of ./project, the collection's awx_job.py
#   credential NAME JSON         a credential of the collection's type (extensions/awx), with these inputs
#   inventory HOSTS-FILE-TEXT    the job template's inventory (default: localhost on this controller's Python)
#   run_job NAME PLAYBOOK [-c CREDENTIAL]... [-e VAR=VALUE | -e @FILE | -e JSON]... [-- ANSIBLE-PLAYBOOK ARGS]
#                                one job of a playbook of ./project; returns the job's exit code
#   job_dir NAME                 the job's private data dir (its HOME; project/ is its current directory)
#   job_stdout NAME              what the job printed
#   stored_facts HOST            the host's facts in the AWX fact store, as JSON ({} when none)
awx_harness() {  # awx_harness OUTPUT_DIR PYTHON COLLECTION_ROOT: where the AWX side lives, and who runs it
  awx=$1/awx awx_python=$2 awx_root=$3
  awx_project=$PWD/project
  awx_inventory=$1/awx-inventory
  mkdir -p "$awx/credentials"
  printf 'localhost ansible_connection=local ansible_python_interpreter=%s\n' "$awx_python" > "$awx_inventory"
}

credential() {
  (umask 077 && printf '%s' "$2" > "$awx/credentials/$1.json")
}

inventory() {
  printf '%s\n' "$1" > "$awx_inventory"
}

run_job() {
  local name=$1 playbook=$2
  shift 2
  local args=()
  while [ $# -gt 0 ]; do
    case $1 in
      -c) args+=(--credential "$awx/credentials/$2.json"); shift 2 ;;
      -e) args+=(-e "$2"); shift 2 ;;
      --) args+=("$@"); break ;;
      *) echo "run_job: unknown argument $1" >&2; return 2 ;;
    esac
  done
  "$awx_python" "$awx_root/tests/utils/awx_job.py" --store "$awx" --job "$name" --project "$awx_project" \
    --playbook "$playbook" --inventory "$awx_inventory" "${args[@]}"
}

job_dir() {
  echo "$awx/jobs/$1"
}

job_stdout() {
  cat "$awx/jobs/$1/artifacts/$1/stdout"
}

stored_facts() {
  "$awx_python" - "$awx/facts" "$1" <<'PY'
import json, pathlib, sys
store, host = pathlib.Path(sys.argv[1]), sys.argv[2]
def untagged(value):
    """ansible-core 2.19 keeps a tagged value as {"value": ..., "tags": [...], "__ansible_type": ...}."""
    if isinstance(value, dict):
        if "__ansible_type" in value and "value" in value:
            return untagged(value["value"])
        return {key: untagged(item) for key, item in value.items() if key != "__ansible_type"}
    if isinstance(value, list):
        return [untagged(item) for item in value]
    return value
# ansible-core 2.19 names the file s<schema>_<host> and wraps the facts in __payload__; older cores use <host>.
for path in sorted(store.glob(f"s*_{host}")) + [store / host]:
    if path.is_file():
        data = json.loads(path.read_text())
        print(json.dumps(untagged(json.loads(data["__payload__"]) if "__payload__" in data else data)))
        break
else:
    print("{}")
PY
}
