#!/usr/bin/env bash
# Runs the provision role's command (its arguments) so that the community script it wraps does not count the
# attempt a second time. The role's backend_command.yml runs it as  bash -c "<this file>" provision-guard CMD...
# and reads the lines it prints on stdout that start with "provision-guard: ".
#
# The community scripts overwrite DIAGNOSTICS and RANDOM_UUID (variables()) and then read the operator's consent
# file (diagnostics_check()), so the environment alone cannot keep their telemetry off. Here:
#   PROVISION_GUARD_MODE=refuse (the default): the role is the attempt's only reporter. In a private mount
#     namespace a file saying DIAGNOSTICS=no is bind-mounted over the consent file, for this command alone; the
#     operator's file is not changed. A curl first on PATH refuses the telemetry endpoints (the seed's PocketBase
#     records API, the current engine's /telemetry ingest and its hosts) and passes every other call to curl.
#   PROVISION_GUARD_MODE=adopt: the script reports the role's attempt. The consent file says what the role decided
#     (PROVISION_GUARD_CONSENT=yes|no) and /proc/sys/kernel/random/uuid gives the role's random_id
#     (PROVISION_GUARD_RANDOM_ID), so the script's create finds the record taken and its finish patches it.
# Without root or a working unshare there is no private namespace: it says so in a warning line, and in the
# refuse mode the curl on PATH is the only guard.
set -u

_pg_consent_file=/usr/local/community-scripts/diagnostics
_pg_uuid_file=/proc/sys/kernel/random/uuid
_pg_mode=${PROVISION_GUARD_MODE:-refuse}
say() { printf 'provision-guard: %s\n' "$*"; }

if [ "$#" -eq 0 ]; then
  echo "provision-guard: no command to run" >&2
  exit 2
fi

_pg_work=$(mktemp -d "${TMPDIR:-/tmp}/provision-guard.XXXXXX") || { echo "provision-guard: mktemp failed" >&2; exit 1; }
trap 'rm -rf "$_pg_work"' EXIT
mkdir "$_pg_work/bin"

if [ "$_pg_mode" = adopt ]; then
  printf 'DIAGNOSTICS=%s\n' "${PROVISION_GUARD_CONSENT:-no}" > "$_pg_work/diagnostics"
  printf '%s\n' "${PROVISION_GUARD_RANDOM_ID:-}" > "$_pg_work/uuid"
else
  printf 'DIAGNOSTICS=no\n# provision role: for this run only, the role reports the attempt\n' > "$_pg_work/diagnostics"
fi
: > "$_pg_work/refused"

# A private mount namespace, if this host gives one: probe it with the very bind mount it will make.
_pg_namespace=""
if [ "$(id -u)" -ne 0 ]; then
  _pg_namespace="not root (uid $(id -u))"
elif ! command -v unshare > /dev/null 2>&1; then
  _pg_namespace="no unshare command"
else
  : > "$_pg_work/probe"
  if ! _pg_probe=$(unshare --mount --propagation private -- mount --bind "$_pg_work/diagnostics" "$_pg_work/probe" 2>&1); then
    _pg_namespace="unshare --mount failed: ${_pg_probe:-no reason given}"
  fi
fi

# Without a namespace the script cannot be given the role's attempt: the role reports it alone, as in refuse mode.
if [ -n "$_pg_namespace" ] && [ "$_pg_mode" = adopt ]; then
  say "warning: no private mount namespace ($_pg_namespace): the script cannot report the role's attempt, so the" \
    "role reports it alone; the script reads the operator's consent file and only its curl calls found on PATH" \
    "are refused, one by another path or from inside the guest may still count the attempt again"
  _pg_mode=refuse
elif [ -n "$_pg_namespace" ]; then
  say "warning: no private mount namespace ($_pg_namespace): the script reads the operator's consent file; only" \
    "its curl calls found on PATH are refused, one by another path or from inside the guest may still count" \
    "the attempt again"
fi

# The curl first on PATH (refuse mode): the telemetry endpoints get "could not connect" (exit 7), which every
# engine swallows; everything else goes to the real curl.
_pg_real_curl=$(command -v curl || true)
if [ "$_pg_mode" != adopt ] && [ -n "$_pg_real_curl" ]; then
  cat > "$_pg_work/bin/curl" <<SHIM
#!/usr/bin/env bash
_pg_method=GET
for _pg_arg in "\$@"; do
  case "\$_pg_arg" in
    POST|PATCH|PUT|DELETE) _pg_method=\$_pg_arg ;;
  esac
done
for _pg_arg in "\$@"; do
  case "\$_pg_arg" in
    *://db.community-scripts.org* | *://telemetry.community-scripts.org* \\
    | *://*/api/collections/*/records* | *://*/telemetry | *://*/telemetry[?/]*)
      printf '%s %s\n' "\$_pg_method" "\$_pg_arg" >> '$_pg_work/refused'
      exit 7 ;;
  esac
  if [ -n "\${TELEMETRY_URL:-}" ] && [ "\$_pg_arg" = "\$TELEMETRY_URL" ]; then
    printf '%s %s\n' "\$_pg_method" "\$_pg_arg" >> '$_pg_work/refused'
    exit 7
  fi
done
exec '$_pg_real_curl' "\$@"
SHIM
  chmod 0755 "$_pg_work/bin/curl"
  export PATH="$_pg_work/bin:$PATH"
fi

if [ -n "$_pg_namespace" ]; then
  "$@"
  _pg_rc=$?
else
  # Inside the namespace: the consent file (when the host has one) and, to adopt, the kernel's UUID source.
  # Without a consent file the script finds none, as it would run by hand.
  # shellcheck disable=SC2016  # the inner script expands its own arguments
  unshare --mount --propagation private -- /bin/bash -c '
    _pg_work=$1 _pg_consent_file=$2 _pg_uuid_file=$3 _pg_mode=$4
    shift 4
    if [ -f "$_pg_consent_file" ]; then
      mount --bind "$_pg_work/diagnostics" "$_pg_consent_file" || { : > "$_pg_work/unbound"; exit 125; }
    fi
    if [ "$_pg_mode" = adopt ]; then
      mount --bind "$_pg_work/uuid" "$_pg_uuid_file" || { : > "$_pg_work/unbound"; exit 125; }
    fi
    exec "$@"' provision-guard-namespace "$_pg_work" "$_pg_consent_file" "$_pg_uuid_file" "$_pg_mode" "$@"
  _pg_rc=$?
  if [ -e "$_pg_work/unbound" ]; then
    say "warning: the bind mounts of the private namespace failed; nothing was run"
  fi
fi

while IFS= read -r _pg_line; do
  say "refused the script's own telemetry request: $_pg_line"
done < "$_pg_work/refused"
exit "$_pg_rc"
