#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: pve_telemetry_info
short_description: Answer fleet questions from the community-scripts telemetry records
version_added: 0.2.0
description:
  - Answers a fleet question (an app, a node, a status, a type, a time window) with its aggregates. Counts per status,
    app, type, day and node, the failure rate overall and per app, type, day and node, the most frequent exit codes
    of failures with their explanations and the apps that hit them, install duration percentiles per app, and the
    latest failures with the output that explains them (C(error_detail)).
  - The per-app parts list the O(top_apps) most installed apps; the rest are summed in RV(aggregates.others), so an
    answer stays small however many distinct app names the records carry.
  - Per-node figures need records that carry their node, which the modules send only when told (the C(node) option of
    M(community_scripts.telemetry.pve_telemetry_report), or C(provision_telemetry_extended=true) in the
    C(community_scripts.telemetry.provision) role).
  - Where the backend has the collection's server hooks (C(pocketbase/pb_hooks), route C(/api/telemetry/aggregates)),
    the server computes the aggregates in SQL and only the first O(limit) records are read (RV(source=server)).
    Elsewhere, for example on the public backend, the module reads every matching record, oldest first, with
    keyset paging, and counts as it reads, keeping no more records than it returns (RV(source=records)). Both ways
    give the same aggregates.
  - Works anonymously on an C(open) collection. On a C(guarded) one (see the
    C(community_scripts.telemetry.telemetry_server) role) it needs a superuser. Give O(email) and O(password)
    (the module signs in, as the fleet report does), or a superuser O(token) you already have.
  - An unauthorized read is never answered as an empty fleet. PocketBase answers a guarded list with an empty
    list, so O(token) is checked first, on a superuser-only endpoint, and the task fails (RV(error_kind=unauthorized),
    unless O(on_failure=warn)) when it is garbage, expired, revoked or not a superuser's. Without a token, it
    fails when the backend's aggregates route says the collection is guarded. A backend without the hooks cannot
    tell; an anonymous question that finds no record then warns that a guarded collection shows anonymous callers nothing.
  - Only reads. The aggregates request and each page of records get the time budget described in O(timeout).
  - A question the backend does not answer (unreachable, no answer in time, an HTTP error) fails the task, whatever
    O(on_failure) says, since an empty answer would read as an empty fleet. O(on_failure=fail) and the spool are
    for writes.
  - Asked from the controller by default, which needs the C(requests) library (see O(delivery)).
author:
  - Community Scripts telemetry maintainers (@community-scripts)
extends_documentation_fragment:
  - community_scripts.telemetry.connection
  - community_scripts.telemetry.consent
  - community_scripts.telemetry.delivery
  - community_scripts.telemetry.attributes
  - community_scripts.telemetry.attributes.action_group
  - community_scripts.telemetry.attributes.check_mode_read_only
  - ansible.builtin.action_common_attributes
notes:
  - Like every telemetry task, it asks the backend nothing without consent (O(diagnostics)); it is then skipped,
    saying why. A fleet question sends nothing about any host, so whoever asks it usually says O(diagnostics=yes),
    as the C(community_scripts.telemetry.fleet_report) playbook does.
options:
  token:
    description:
      - A PocketBase superuser token, sent as the C(Authorization) header. One way to read a C(guarded) collection;
        O(email) and O(password) are the other, and the simpler one (a token expires, and a new superuser password
        revokes it).
      - If not set, the value of the E(PVE_TELEMETRY_TOKEN) environment variable is used.
      - Mutually exclusive with O(email).
    type: str
  email:
    description:
      - The email of a PocketBase superuser; with O(password), the module signs in before it asks, and uses the
        token it gets. Needed on a C(guarded) collection unless O(token) is given.
      - If not set, the value of the E(PVE_TELEMETRY_EMAIL) environment variable is used.
    type: str
    version_added: 0.4.0
  password:
    description:
      - The superuser's password, with O(email). Never shown, at any verbosity.
      - If not set, the value of the E(PVE_TELEMETRY_PASSWORD) environment variable is used.
    type: str
    version_added: 0.4.0
  app:
    description: Only records of this application (C(nsapp)).
    type: str
  node:
    description:
      - Only records of this Proxmox VE node (the extended field C(node)).
      - Records that did not say their node (C(node) empty) never match one.
      - A backend whose aggregates route is older than this option is answered from the records, with a warning.
    type: str
    version_added: 0.4.0
  status:
    description: Only records with this status.
    type: str
    choices: [installing, sucess, failed, unknown]
  type:
    description: Only records of this type.
    type: str
    choices: [lxc, vm, addon, pve]
  since:
    description:
      - Only records created at or after this UTC time, for example V(2026-11-01) or V(2026-11-01 10:00:00).
      - Or a window back from now, in minutes, hours, days or weeks, for example V(30m), V(12h), V(7d) or V(4w).
    type: str
  before:
    description:
      - Only records created before this UTC time, written as for O(since); V(1d) means before a day ago.
    type: str
  limit:
    description: How many of the matching records to return in RV(records), oldest first; the aggregates cover all of them.
    type: int
    default: 100
  include_ids:
    description:
      - Return each record's C(id) and C(random_id) in RV(records).
      - They are left out by default. They are the keys to a record, since a C(guarded) collection lets an unfinished
        record be finished by its id, so a log of a fleet question must not hand them out unless you ask.
    type: bool
    default: false
  top:
    description: How many of the most frequent failure exit codes to return (in RV(aggregates.top_exit_codes) and RV(aggregates.exit_codes_by_app)).
    type: int
    default: 5
  top_apps:
    description:
      - How many apps, the most installed first, the per-app parts list (RV(aggregates.by_app), RV(aggregates.durations)
        and the apps of RV(aggregates.exit_codes_by_app)). The other apps are summed in RV(aggregates.others).
      - From V(1) to V(1000). The totals, the failure rate and the exit codes count every app either way.
    type: int
    default: 50
    version_added: 0.4.0
seealso:
  - module: community_scripts.telemetry.pve_telemetry_report
"""

EXAMPLES = r"""
- name: Which apps fail, and with which exit codes, in the last 7 days
  community_scripts.telemetry.pve_telemetry_info:
    url: http://127.0.0.1:8090
    email: admin@example.com
    password: "{{ vault_pocketbase_admin_password }}"
    since: 7d
  register: fleet

- name: The same with a superuser token, since a given day
  community_scripts.telemetry.pve_telemetry_info:
    url: http://127.0.0.1:8090
    token: "{{ pocketbase_superuser_token }}"
    since: "2026-11-01"

- name: Failure rates per node, and the failures of one node with their output
  community_scripts.telemetry.pve_telemetry_info:
    url: http://127.0.0.1:8090
    email: admin@example.com
    password: "{{ vault_pocketbase_admin_password }}"
    node: pve1
    top_apps: 10
  register: pve1

- name: Say it
  ansible.builtin.debug:
    msg: "{{ fleet.aggregates.failure_rate }} of finished installs failed; top: {{ fleet.aggregates.top_exit_codes[0].explanation }}"
"""

RETURN = r"""
error_kind:
  description:
    - What kind of failure ended the task, or, with O(on_failure=warn), the failure the task turned into a warning.
    - V(bad_input) for an option value that cannot be sent (see RV(option)), V(missing_library) when C(requests) is
      missing where the request leaves from.
    - V(unauthorized) when the backend refused the question (HTTP 401 or 403), that is no token on a guarded
      collection, or a token that is garbage, expired, revoked or not a superuser's, or when the sign-in with
      O(email) and O(password) was refused (wrong email or password, or too many guesses). An unauthorized read
      always fails, whatever O(on_failure) says, since its empty answer is not an empty fleet.
    - V(unreachable), V(timeout) or V(http_status) when the backend did not answer the question, that is it cannot
      be reached, it did not answer within the time budget, or it answered with an HTTP error (see RV(http_status)).
  returned: when the task failed, or would have without O(on_failure=warn)
  type: str
  sample: bad_input
http_status:
  description: The HTTP status of the backend's refusal or error; V(null) when it gave none (unreachable, timeout).
  returned: when the backend refused or did not answer the question
  type: int
  sample: 503
option:
  description: The option whose value is bad.
  returned: when RV(error_kind=bad_input)
  type: str
  sample: since
count:
  description: How many records match.
  returned: always
  type: int
  sample: 120
records:
  description: The first O(limit) matching records, oldest first.
  returned: always
  type: list
  elements: dict
  sample: [{"id": "yehltm1rqw1okg7", "nsapp": "debian", "type": "lxc", "status": "failed", "exit_code": 214,
            "error": "Proxmox: Not enough storage space", "created": "2026-11-27 23:16:43.084Z"}]
aggregates:
  description: What the matching records say together.
  returned: always
  type: dict
  contains:
    total:
      description: How many records match.
      type: int
    by_status:
      description: Records per status.
      type: dict
      sample: {"failed": 3, "sucess": 9}
    by_app:
      description:
        - Per app, the records, the records per status and the failure rate, most installed app first.
        - At most O(top_apps) apps; the rest are in RV(aggregates.others).
      type: dict
      sample: {"debian": {"total": 12, "by_status": {"failed": 3, "sucess": 9}, "failure_rate": 0.25}}
    apps_total:
      description: How many distinct apps the matching records have, those in RV(aggregates.others) included.
      type: int
      sample: 57
    others:
      description:
        - The apps past the O(top_apps) most installed, summed. V(apps) is how many, the rest as in RV(aggregates.by_app).
        - V(apps=0) and V(total=0) when every app is listed.
      type: dict
      sample: {"apps": 7, "total": 9, "by_status": {"failed": 2, "sucess": 7}, "failure_rate": 0.2222}
    failure_rate:
      description: Failed records / finished (C(sucess) or C(failed)) records, or null when none is finished.
      type: float
      sample: 0.25
    top_exit_codes:
      description: The most frequent exit codes of failed and unknown records, with their explanations.
      type: list
      elements: dict
      sample: [{"exit_code": 214, "count": 2, "explanation": "Proxmox: Not enough storage space"}]
    first:
      description: When the oldest matching record was created.
      type: str
    last:
      description: When the newest matching record was created.
      type: str
    by_type:
      description: Per type (C(lxc), C(vm), ...), the records, the records per status and the failure rate, most frequent first.
      type: dict
      sample: {"lxc": {"total": 10, "by_status": {"failed": 2, "sucess": 8}, "failure_rate": 0.2}}
    by_day:
      description: Per UTC day, oldest first, the records, the records per status and the failure rate.
      type: list
      elements: dict
      sample: [{"day": "2026-11-27", "total": 4, "by_status": {"failed": 1, "sucess": 3}, "failure_rate": 0.25}]
    by_node:
      description:
        - Per node (records that carry one), the records, the records per status and the failure rate, most frequent first.
        - Empty when no record says its node; the role sends it with C(provision_telemetry_extended=true).
      type: dict
      sample: {"pve1": {"total": 10, "by_status": {"failed": 4, "sucess": 6}, "failure_rate": 0.4}}
    exit_codes_by_app:
      description:
        - For each of the top exit codes, the apps that hit it, most often first (among the O(top_apps) listed), and
          V(others), how many of its records are of the other apps.
      type: list
      elements: dict
      sample: [{"exit_code": 214, "count": 3, "apps": [{"app": "jellyfin", "count": 2}], "others": 1}]
    durations:
      description:
        - Per app with durations (C(install_duration) > 0), how many, the median and the 95th percentile in seconds.
        - Only the apps listed in RV(aggregates.by_app).
        - Nearest rank, the same on both ways; the median is the ceil(n/2)-th smallest, p95 the ceil(0.95 n)-th.
      type: dict
      sample: {"debian": {"count": 12, "median": 95, "p95": 240}}
    recent_failures:
      description:
        - The last 20 failed records, newest first, with the explanation of their exit code.
        - V(error_detail) is the stored tail of the failing output (its first 512 characters), V("") when the record has
          none. It is stored only when the operator opted in (C(error_detail) of
          M(community_scripts.telemetry.pve_telemetry_update)). Where the backend's hooks are older than this field, it is
          read from the records, in one more request.
      type: list
      elements: dict
      sample: [{"created": "2026-11-27 23:16:43.084Z", "nsapp": "jellyfin", "type": "lxc", "node": "pve1", "exit_code": 137,
                "explanation": "Killed (SIGKILL / Out of memory?)", "error_detail": "apt-get install: Killed"}]
source:
  description: Which way the aggregates were computed. V(server) by the backend's route, V(records) from the records read.
  returned: success
  type: str
  sample: server
filter:
  description: The PocketBase filter that was sent.
  returned: always
  type: str
  sample: (nsapp='debian') && (created>='2026-11-01')
"""

from ansible_collections.community_scripts.telemetry.plugins.module_utils._argspec import info_argument_spec
from ansible_collections.community_scripts.telemetry.plugins.module_utils._module import run_module
from ansible_collections.community_scripts.telemetry.plugins.module_utils._tasks import run_info


def main():
    run_module(info_argument_spec(), run_info)


if __name__ == "__main__":
    main()
