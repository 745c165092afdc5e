#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: pve_telemetry_update
short_description: Finish the community-scripts telemetry record of a Proxmox VE container or VM install
version_added: 0.1.0
description:
  - Finishes the telemetry record of one provisioning attempt with its final status, exit code and
    the contract's explanation of that code, exactly as the Proxmox VE community scripts do.
  - Works on records created by M(community_scripts.telemetry.pve_telemetry_report) and on records created by the
    original bash library. Without O(record_id), the record is looked up by O(random_id).
  - Nothing is sent unless the operator opted in, see O(diagnostics).
  - Idempotent. A record that already carries a final status is not changed unless O(force=true);
    a record whose status is V(unknown) may still be finished with V(sucess) or V(failed).
author:
  - Community Scripts telemetry maintainers (@community-scripts)
extends_documentation_fragment:
  - community_scripts.telemetry.connection
  - community_scripts.telemetry.consent
  - community_scripts.telemetry.delivery
  - community_scripts.telemetry.spool
  - community_scripts.telemetry.attributes
  - community_scripts.telemetry.attributes.action_group
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode only the read-only lookup of the record is sent.
  diff_mode:
    support: full
    details:
      - The diff shows the record's C(status), C(exit_code) and C(error) before and after.
options:
  random_id:
    description:
      - The UUID of the provisioning attempt, as given to M(community_scripts.telemetry.pve_telemetry_report).
    type: str
    required: true
  record_id:
    description:
      - The PocketBase id of the record, as returned by M(community_scripts.telemetry.pve_telemetry_report).
      - When not set, or when no record of this O(random_id) has that id, the record is looked up by O(random_id).
    type: str
  status:
    description:
      - The outcome of the install, in free text.
      - V(done), V(success) and V(sucess) are sent as C(sucess) (the schema's spelling) with exit code 0 and no error.
      - V(failed) is sent as C(failed), anything else as C(unknown), with O(exit_code) and its explanation;
        a value other than V(unknown) that is sent as C(unknown) (a typo such as V(succeeded)) gives a warning.
    type: str
    required: true
  exit_code:
    description:
      - The exit code of the failed install. A whole number >= 0 is sent as it is; anything else, or none, is sent as V(1).
      - Ignored for a successful install, which is always sent with exit code 0.
    type: raw
  force:
    description:
      - Overwrite a record that already carries a final status.
    type: bool
    default: false
  install_duration:
    description:
      - Seconds from the create to the finish, a number >= 0.
      - Not a field of the contract. Sent only when set, and then stored only by a backend with the collection's extended
        fields (C(pocketbase/pb_migrations/1710000000_add_extended_fields.js)); a backend without them ignores it.
    type: raw
    version_added: 0.2.0
  error_detail:
    description:
      - The output of the failing step, for example V({{ install.stderr }}). It is scrubbed first, then only its tail is
        sent, at most 20 lines and 4096 bytes. The same scrubbed text is what the task returns (RV(error_detail)) and
        what a spool keeps; a spooled event is scrubbed again when it is flushed.
      - "Scrubbing masks, each with a short mask that says what it replaced: secrets by their key (password, passwd, pwd,
        passphrase, secret, token, api key, private key, access key, client secret, credentials, auth, cookie, also
        within longer names such as C(PGPASSWORD) or C(aws_secret_access_key)) in C(k=v), C(k: v), C(--k v), C(--k=v)
        and JSON, YAML or Python forms, quoted or not, as V(<password>), V(<token>), V(<secret>) or V(<api key>);
        C(Authorization) headers of any scheme, keeping the scheme (V(Bearer <credentials>)); Proxmox VE API tokens
        (C(user@realm!id=uuid)) and tickets; JWTs; PEM blocks, also cut ones, as V(<private key>) or V(<certificate>);
        URL credentials (C(https://user:pw@host) becomes V(https://<credentials>@host)) and C(curl -u user:pw);
        e-mail addresses as V(<email>); GitHub, GitLab, Slack, AWS access key, Google API key, npm and PyPI tokens;
        IPv4 and IPv6 addresses as V(<IPv4>) and V(<IPv6>)."
      - "Kept is what explains the failure: package names, paths of the software, versions (four numbers after a version
        word, a package name or a comparison, as in C(version 2.4.1.0), C(pkg-2.4.1.0) or C(pkg==2.4.1.0), are a
        version, not an address), error words and exit codes. The list and its limits are in C(docs/behaviour.md)."
      - "Scrubbing cannot know every secret (a password printed without its key, a name). The field stays opt-in: set it
        only where the backend's operator should see that output; on an open backend anyone can read a record."
      - Not a field of the contract. Sent only when set, and then stored only by a backend with the collection's extended
        fields; a backend without them ignores it.
    type: str
    version_added: 0.2.0
seealso:
  - module: community_scripts.telemetry.pve_telemetry_report
  - plugin: community_scripts.telemetry.explain_exit_code
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Finish the record of a successful install
  community_scripts.telemetry.pve_telemetry_update:
    url: http://127.0.0.1:8090
    diagnostics: "yes"
    random_id: "{{ install_id }}"
    record_id: "{{ telemetry.record_id }}"
    status: done

- name: Finish the record of a failed install, looking the record up by its random_id
  community_scripts.telemetry.pve_telemetry_update:
    url: http://127.0.0.1:8090
    diagnostics: "yes"
    random_id: "{{ install_id }}"
    status: failed
    exit_code: "{{ install.rc }}"
"""

RETURN = r"""
error_kind:
  description:
    - What kind of failure ended the task, or, with O(on_failure=warn), the failure the task turned into a warning.
    - V(bad_input) for an option value that cannot be sent (see RV(option)), V(missing_library) when C(requests) is
      missing where the request leaves from, V(delivery) for a delivery problem with O(on_failure=fail).
  returned: when the task failed, or would have without O(on_failure=warn)
  type: str
  sample: bad_input
option:
  description: The option whose value is bad.
  returned: when RV(error_kind=bad_input)
  type: str
  sample: random_id
record_id:
  description: The PocketBase id of the record.
  returned: when the record was found
  type: str
  sample: yehltm1rqw1okg7
random_id:
  description: The UUID of the attempt, as given.
  returned: always
  type: str
  sample: 3f0c0d9e-5c8a-4c1e-9d5b-2b7f4f0a1c2d
status:
  description: The status sent, or that the record keeps when it was already final.
  returned: always
  type: str
  sample: failed
exit_code:
  description: The exit code sent, or that the record keeps when it was already final.
  returned: always
  type: int
  sample: 214
error:
  description: The explanation of O(exit_code) sent, or that the record keeps when it was already final.
  returned: always
  type: str
  sample: "Proxmox: Not enough storage space"
reported:
  description: Whether the record on the backend carries a final status after the task.
  returned: always
  type: bool
  sample: true
spooled:
  description: Whether the event could not be delivered and was kept in O(spool_dir) for a later flush.
  returned: always
  type: bool
  sample: false
spool_full:
  description:
    - True when the event could not be delivered and was not kept either, because its host's events for this backend
      fill O(spool_dir) up to O(spool_max_events). The event is lost; the task warns.
  returned: when the spool was full
  type: bool
  sample: true
skip_reason:
  description: Why nothing was sent, when the operator did not opt in; the task is then shown as skipped.
  returned: when consent was missing
  type: str
  sample: "diagnostics=no: the operator did not opt in"
error_detail:
  description: The scrubbed tail of O(error_detail) that was sent, or kept in the spool.
  returned: when O(error_detail) was set
  type: str
  sample: "mysql --password=<password> -h <IPv4>: Access denied"
msg:
  description: What happened, or the delivery problem when the backend could not be reached.
  returned: always
  type: str
  sample: record finished
"""

from ansible_collections.community_scripts.telemetry.plugins.module_utils._argspec import update_argument_spec
from ansible_collections.community_scripts.telemetry.plugins.module_utils._module import run_module
from ansible_collections.community_scripts.telemetry.plugins.module_utils._tasks import run_update


def main():
    run_module(update_argument_spec(), run_update)


if __name__ == "__main__":
    main()
