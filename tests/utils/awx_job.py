# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One AWX job, as AWX runs it, without AWX: written for the tests (the awx integration target).

    python awx_job.py --store STORE --job NAME --project DIR --playbook PLAY --inventory FILE
                      [--credential INPUTS.json]... [--credential-type TYPE.yml] [-e KEY=VALUE | -e @FILE]...
                      [--collections-path PATH] [--env KEY=VALUE]... [-- ANSIBLE-PLAYBOOK ARGS...]

What AWX does for a job, and this does too:
- a private data dir of its own (STORE/jobs/NAME: project/ a copy of the project, inventory/hosts, env/),
  run with real ``ansible-runner run`` and the ident NAME;
- a fresh HOME: the private data dir itself, as in an execution environment (HOME=/runner), so that what the job
  keeps under HOME (~/.ansible/...) is gone for the next job; the environment is the execution environment's, not
  the caller's: no ANSIBLE_* or PVE_TELEMETRY_* variable of the caller reaches the job;
- credentials of a custom credential type (by default the collection's extensions/awx/credential_type_pve_telemetry.yml):
  the type is validated (field ids, required inputs, env names AWX refuses, templates that name only declared
  fields), then its injectors are rendered with Jinja2's ImmutableSandboxedEnvironment over the inputs that are
  not empty (an empty or missing input renders as an empty string), as AWX renders them; ``env`` goes into
  env/envvars, ``extra_vars`` into a file of env/ passed as ``-e @file`` after the job's own extra vars
  (env/extravars), through env/cmdline;
- "Enable Fact Storage": STORE/facts is the AWX fact store. Before the job its files are copied into the job's
  artifacts/NAME/fact_cache (the jsonfile cache that ansible-runner points ANSIBLE_CACHE_PLUGIN_CONNECTION at);
  after the job the files the job wrote or changed are copied back, and a file the job removed (meta:
  clear_facts) is removed from the store. Files are copied as they are, whatever their names (ansible-core 2.19
  names them s1_<host>).

It prints the job's output and exits with the job's exit code (2 when the job cannot be set up, as AWX would
refuse it). STORE/jobs/NAME/artifacts/NAME/stdout keeps the output, STORE/jobs/NAME/env what the job was given.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = Path(__file__).resolve().parent
DEFAULT_CREDENTIAL_TYPE = HERE.parent.parent / "extensions" / "awx" / "credential_type_pve_telemetry.yml"
# The environment names AWX refuses in a credential type's env injector (ANSIBLE_* and its own job variables).
AWX_REFUSED_ENV = {"VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID",
                   "INVENTORY_UPDATE_ID", "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN", "MAX_EVENT_RES",
                   "CALLBACK_QUEUE", "CALLBACK_CONNECTION", "CACHE", "JOB_CALLBACK_DEBUG", "INVENTORY_HOSTVARS",
                   "AWX_HOST", "PROJECT_REVISION", "SUPERVISOR_CONFIG_PATH"}


class JobError(Exception):
    """The job cannot be set up as AWX would set it up; AWX would refuse it too."""


def check_credential_type(kind: dict) -> None:
    """What AWX checks when a custom credential type is saved."""
    fields = kind.get("inputs", {}).get("fields", [])
    ids = [field.get("id") for field in fields]
    if not ids or len(set(ids)) != len(ids) or not all(isinstance(i, str) and i for i in ids):
        raise JobError(f"credential type {kind.get('name')!r}: fields need unique ids, got {ids}")
    for field in fields:
        if field.get("type", "string") not in ("string", "boolean") or not field.get("label"):
            raise JobError(f"credential type field {field.get('id')}: needs a label and type string or boolean")
    unknown = set(kind["inputs"].get("required", [])) - set(ids)
    if unknown:
        raise JobError(f"credential type: required names undeclared fields {sorted(unknown)}")
    injectors = kind.get("injectors", {})
    if set(injectors) - {"env", "extra_vars", "file"}:
        raise JobError(f"credential type: unknown injector kinds {sorted(set(injectors) - {'env', 'extra_vars', 'file'})}")
    for name in injectors.get("env", {}):
        if name.startswith("ANSIBLE_") or name in AWX_REFUSED_ENV:
            raise JobError(f"credential type: AWX refuses the environment variable {name} in an injector")
    sandbox = ImmutableSandboxedEnvironment()
    for where in ("env", "extra_vars"):
        for name, template in injectors.get(where, {}).items():
            used = meta.find_undeclared_variables(sandbox.parse(template)) - {"tower"}
            if used - set(ids):
                raise JobError(f"credential type: injector {where}.{name} names undeclared fields {sorted(used - set(ids))}")


def render_credential(kind: dict, inputs: dict) -> tuple[dict, dict]:
    """The env and extra vars that a credential of this type gives a job, rendered as AWX renders them."""
    fields = {field["id"]: field for field in kind["inputs"]["fields"]}
    unknown = set(inputs) - set(fields)
    if unknown:
        raise JobError(f"credential inputs: no such fields {sorted(unknown)}")
    missing = [name for name in kind["inputs"].get("required", []) if not inputs.get(name)]
    if missing:
        raise JobError(f"credential inputs: required fields missing {missing}")
    # AWX's namespace: the inputs that are not empty, booleans always, missing booleans False.
    namespace = {name: value for name, value in inputs.items() if isinstance(value, bool) or len(str(value))}
    for name, field in fields.items():
        if field.get("type") == "boolean" and name not in inputs:
            namespace[name] = False
    sandbox = ImmutableSandboxedEnvironment()
    injectors = kind.get("injectors", {})
    env = {name: sandbox.from_string(template).render(**namespace) for name, template in injectors.get("env", {}).items()}
    extra_vars = {name: sandbox.from_string(template).render(**namespace)
                  for name, template in injectors.get("extra_vars", {}).items()}
    if injectors.get("file"):
        raise JobError("credential type: file injectors are not emulated here")
    return env, extra_vars


def parse_extra_var(text: str) -> dict:
    if text.startswith("@"):
        loaded = yaml.safe_load(Path(text[1:]).read_text())
        if not isinstance(loaded, dict):
            raise JobError(f"extra vars file {text[1:]} is not a mapping")
        return loaded
    if text.lstrip().startswith("{"):
        return json.loads(text)
    name, sep, value = text.partition("=")
    if not sep:
        raise JobError(f"-e {text}: give KEY=VALUE, @FILE or a JSON object")
    return {name: value}


def snapshot(directory: Path) -> dict:
    return {path.name: path.stat().st_mtime_ns for path in directory.iterdir() if path.is_file()}


def next_job_id(store: Path) -> int:
    """AWX numbers its jobs (JOB_ID, which ansible-runner's event callback reads as an integer)."""
    counter = store / "last_job_id"
    job_id = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(job_id))
    return job_id


def run_job(args: argparse.Namespace) -> int:
    store = Path(args.store).resolve()
    facts = store / "facts"
    facts.mkdir(parents=True, exist_ok=True)
    private = store / "jobs" / args.job
    if private.exists():
        shutil.rmtree(private)
    for sub in ("env", "inventory"):
        (private / sub).mkdir(parents=True)
    shutil.copytree(args.project, private / "project")
    shutil.copy(args.inventory, private / "inventory" / "hosts")

    kind = yaml.safe_load(Path(args.credential_type).read_text())
    check_credential_type(kind)
    # What AWX and the execution environment set: HOME, where the collections are, the job's id; then credentials.
    env = dict(HOME=str(private), ANSIBLE_COLLECTIONS_PATH=args.collections_path, JOB_ID=str(next_job_id(store)))
    cmdline = []
    for number, credential in enumerate(args.credential):
        inputs = json.loads(Path(credential).read_text())
        injected_env, injected_vars = render_credential(kind, inputs)
        env.update(injected_env)
        if injected_vars:
            path = private / "env" / f"credential_{number}_extravars.yml"
            path.write_text(yaml.safe_dump(injected_vars))
            cmdline += ["-e", f"@{path}"]
    for item in args.env:
        name, value = item.split("=", 1) if "=" in item else (item, "")
        env[name] = value
    extra_vars = {}
    for item in args.extra_vars:
        extra_vars.update(parse_extra_var(item))
    (private / "env" / "envvars").write_text(json.dumps(env))
    (private / "env" / "extravars").write_text(json.dumps(extra_vars))
    cmdline += args.playbook_args
    if cmdline:
        (private / "env" / "cmdline").write_text(" ".join(shlex.quote(part) for part in cmdline))  # runner splits it with shlex

    # Enable Fact Storage: the store's facts into this job's cache, then back.
    cache = private / "artifacts" / args.job / "fact_cache"
    cache.mkdir(parents=True)
    for path in facts.iterdir():
        shutil.copy(path, cache / path.name)  # written now, as AWX writes them: fresh for the cache's timeout
    before = snapshot(cache)

    runner = [sys.executable, "-m", "ansible_runner", "run", str(private), "-p", args.playbook, "--ident", args.job]
    # ansible-runner gives the job its own environment with env/envvars on top, so what an execution environment
    # would not have (the test's ANSIBLE_* and PVE_TELEMETRY_* variables) is taken out of it here.
    runner_env = {name: value for name, value in os.environ.items()
                  if not name.startswith(("ANSIBLE_", "PVE_TELEMETRY_"))}
    rc = subprocess.run(runner, env=runner_env, check=False).returncode

    after = snapshot(cache) if cache.is_dir() else {}
    for name, mtime in after.items():
        if before.get(name) != mtime:
            shutil.copy2(cache / name, facts / name)
    for name in set(before) - set(after):
        (facts / name).unlink(missing_ok=True)
    return rc


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    playbook_args = []
    if "--" in argv:
        playbook_args = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="the AWX side: facts/ (the fact store) and jobs/")
    parser.add_argument("--job", required=True, help="the job's name, also its ident")
    parser.add_argument("--project", required=True, help="the project directory (copied into the job)")
    parser.add_argument("--playbook", required=True, help="the playbook, relative to the project")
    parser.add_argument("--inventory", required=True, help="an inventory file")
    parser.add_argument("--credential", action="append", default=[], help="a JSON file of a credential's inputs")
    parser.add_argument("--credential-type", default=str(DEFAULT_CREDENTIAL_TYPE))
    parser.add_argument("-e", "--extra-vars", action="append", default=[], help="the job's extra vars")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE of the execution environment")
    parser.add_argument("--collections-path", default=os.environ.get("ANSIBLE_COLLECTIONS_PATH", ""),
                        help="the execution environment's collections (default: the caller's ANSIBLE_COLLECTIONS_PATH)")
    args = parser.parse_args(argv)
    args.playbook_args = playbook_args
    try:
        return run_job(args)
    except JobError as error:
        print(f"awx_job: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
