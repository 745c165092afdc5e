# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The record schema of the telemetry collection: its statuses, types and
field lists. PRIVATE to this collection.

This is the only copy of these facts in the code. The modules' ``choices``,
the fields a lookup or a fleet query asks for, the status mapping and the
``provision`` role's fact all derive from here, and a unit test compares the
statuses and types with the ``values`` of the PocketBase migration in
``pocketbase/pb_migrations``, as the exit-code test compares the contract.
"""

from __future__ import annotations

STATUS_INSTALLING = "installing"
STATUS_SUCCESS = "sucess"  # sic: the schema's select value is misspelled on purpose
STATUS_FAILED = "failed"
STATUS_UNKNOWN = "unknown"
STATUSES = (STATUS_INSTALLING, STATUS_SUCCESS, STATUS_FAILED, STATUS_UNKNOWN)
FINAL_STATUSES = (STATUS_SUCCESS, STATUS_FAILED)

# What a record's type may be, and the contract's ct_type number of the two this collection installs.
TYPES = ("lxc", "vm", "addon", "pve")
CT_TYPE_BY_TYPE = {"lxc": 1, "vm": 2}
INSTALL_TYPES = tuple(CT_TYPE_BY_TYPE)

# The fields of the contract's create body, in the order the original sends them.
CREATE_FIELDS = ("ct_type", "type", "disk_size", "core_count", "ram_size", "os_type", "os_version",
                 "nsapp", "method", "pve_version", "status", "random_id")
# The fields a finish sets.
FINISH_FIELDS = ("status", "exit_code", "error")
# The richer record of a self-hosted backend (pocketbase/pb_migrations/1710000000_add_extended_fields.js),
# sent only when a task gives them: node on the create, install_duration and error_detail on the finish.
# A body without them is exactly the contract's.
EXTENDED_CREATE_FIELDS = ("node",)
EXTENDED_FINISH_FIELDS = ("install_duration", "error_detail")
EXTENDED_FIELDS = EXTENDED_CREATE_FIELDS + EXTENDED_FINISH_FIELDS
# What PocketBase adds to every record.
SYSTEM_FIELDS = ("id", "created", "updated")

# The keys to one record: whoever knows them may finish it (guarded mode lets an unfinished record be finished
# by its id, and by its random_id as the X-Telemetry-Id header). Fleet questions leave them out unless asked.
RECORD_KEYS = ("id", "random_id")
# What a lookup of one attempt's record reads: enough to tell whether and how it is finished.
LOOKUP_FIELDS = ("id", "random_id") + FINISH_FIELDS
# What a fleet query reads of each record: everything but ct_type, which follows from type. A backend
# without the extended fields leaves them out of its answer.
QUERY_FIELDS = ("id", "random_id", "nsapp", "type", "status", "exit_code", "error", "os_type", "os_version",
                "disk_size", "core_count", "ram_size", "method", "pve_version", "created", "updated") + EXTENDED_FIELDS

# What counting a record in the aggregates needs of it (pve_telemetry_info reading the records past its limit).
AGGREGATE_FIELDS = ("id", "created", "nsapp", "type", "status", "exit_code") + ("node", "install_duration")

# PocketBase caps a text field at 5000 characters unless its schema says otherwise.
MAX_TEXT_LENGTH = 5000
# error_detail: the tail of the failing output, at most this many lines and bytes (the migration's max is 4096).
ERROR_DETAIL_MAX_LINES = 20
ERROR_DETAIL_MAX_BYTES = 4096
# node: the migration's max.
MAX_NODE_LENGTH = 255
