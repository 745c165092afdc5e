#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: pve_telemetry_flush
short_description: Deliver the telemetry events kept in a spool
version_added: 0.1.0
description:
  - Delivers the events that M(community_scripts.telemetry.pve_telemetry_report) and
    M(community_scripts.telemetry.pve_telemetry_update) kept in O(spool_dir) because the backend could not be reached.
  - Events go out oldest first, so a record is created before it is finished. Each delivery is idempotent by the
    attempt's C(random_id), so a repeated flush, a partly delivered spool or two flushes at once make no duplicates.
  - A flush runs for one host, the host of the task (with O(ignore:delivery=controller), the delegated host or the
    inventory host). It delivers that host's events, each kept with its host's consent, and the events kept without a
    host (by older versions of this collection, or by the modules on the host itself with O(ignore:delivery=host)).
    Other hosts' events are left as they are, and counted in RV(other_hosts); a flush for those hosts delivers them.
    So a flush in a play on the controller alone (C(hosts=localhost)) delivers only localhost's events and those
    without a host; to deliver a fleet's events, flush on the fleet's hosts (for example at the start of each host's
    play, as the C(provision) role does).
  - An event is delivered only while its host still consents, when the flush runs (see O(diagnostics)). When the host
    no longer does, its events are dropped unsent, counted in RV(dropped_no_consent), with a warning; the task is then
    changed. When none wait, the task is skipped, with the reason.
  - Only the events meant for O(url) and O(collection) are delivered (or, with O(from_url), those kept for that URL);
    others stay in the spool, and the result's message says which backends they wait for.
  - Every line of the spool is checked as the modules check their input before it is delivered. A line that is not
    a valid event is dropped with a warning, and the events after it are still delivered.
  - The flush stops at the first event it cannot deliver (also when its time budget, O(timeout) times O(retries) + 1,
    runs out); that event and those after it stay in the spool, and the next flush resumes there. It reads the spool
    line by line, so its memory does not grow with the spool. A finish whose record does not exist, and never can,
    is dropped.
  - One flush of a host's events runs at a time; a second one waits, then finds what the first left.
author:
  - Community Scripts telemetry maintainers (@community-scripts)
extends_documentation_fragment:
  - community_scripts.telemetry.connection
  - community_scripts.telemetry.consent
  - community_scripts.telemetry.delivery
  - community_scripts.telemetry.attributes
  - community_scripts.telemetry.attributes.action_group
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode nothing is sent and nothing is dropped; the module counts the events it would deliver, or drop.
  diff_mode:
    support: none
options:
  spool_dir:
    description:
      - The spool directory the events were kept in, as given to the report and update modules (see
        M(community_scripts.telemetry.pve_telemetry_report) for what it may be).
    type: path
    required: true
  from_url:
    description:
      - Deliver the events that were kept for this URL (and O(collection)) to O(url), instead of the events kept
        for O(url).
      - For events kept while a wrong URL was set. A flush that leaves events behind names the URLs they wait for;
        run it again with O(from_url) set to one of them and O(url) set to the right backend.
    type: str
seealso:
  - module: community_scripts.telemetry.pve_telemetry_report
  - module: community_scripts.telemetry.pve_telemetry_update
"""

EXAMPLES = r"""
- name: Deliver what an earlier run could not
  community_scripts.telemetry.pve_telemetry_flush:
    url: http://127.0.0.1:8090
    spool_dir: /var/spool/pve-telemetry
  register: flush

- name: Say what is left
  ansible.builtin.debug:
    msg: "{{ flush.delivered }} delivered, {{ flush.remaining }} still waiting"
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
  sample: spool_dir
delivered:
  description: How many events were delivered (or, in check mode, would be delivered).
  returned: always
  type: int
  sample: 40
remaining:
  description:
    - How many events of this host (and without a host) are still in the spool, for this backend or others (the
      message then says which).
  returned: always
  type: int
  sample: 0
dropped:
  description: How many events were dropped because they could never be delivered (invalid lines, finishes without a record).
  returned: always
  type: int
  sample: 0
invalid:
  description: How many of the dropped lines were not valid telemetry events.
  returned: always
  type: int
  sample: 0
consent:
  description:
    - Whether this host consents, as this flush read it. V(false) means nothing was sent, whether or not events were
      dropped (see RV(dropped_no_consent)), so a play can tell the tasks after it without reading the host again.
  returned: unless the options are bad
  type: bool
  sample: true
  version_added: 0.4.0
dropped_no_consent:
  description:
    - How many events of this host were dropped unsent because the host no longer consents (in check mode, would be).
  returned: always
  type: int
  sample: 0
other_hosts:
  description:
    - How many events of other hosts wait in the spool; this flush leaves them to a flush for those hosts.
  returned: always
  type: int
  sample: 0
skip_reason:
  description: Why nothing was sent, when the operator did not opt in and no event of the host waited; the task is then shown as skipped.
  returned: when consent was missing and nothing was dropped
  type: str
  sample: "diagnostics=no: the operator did not opt in"
msg:
  description: What happened, or the delivery problem that stopped the flush.
  returned: always
  type: str
  sample: 40 events delivered, 0 remaining
"""

from ansible_collections.community_scripts.telemetry.plugins.module_utils._argspec import flush_argument_spec
from ansible_collections.community_scripts.telemetry.plugins.module_utils._module import run_module
from ansible_collections.community_scripts.telemetry.plugins.module_utils._tasks import run_flush


def main():
    run_module(flush_argument_spec(), run_flush)


if __name__ == "__main__":
    main()
