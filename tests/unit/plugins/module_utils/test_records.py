# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The record schema in _records is the one the PocketBase migration creates, and what
derives from it (bodies, lookups, fleet queries, the info module's choices) agrees with it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from ansible_collections.community_scripts.telemetry.plugins.module_utils._payloads import build_create_body
from ansible_collections.community_scripts.telemetry.plugins.module_utils._records import (
    AGGREGATE_FIELDS,
    CREATE_FIELDS,
    ERROR_DETAIL_MAX_BYTES,
    EXTENDED_CREATE_FIELDS,
    EXTENDED_FIELDS,
    EXTENDED_FINISH_FIELDS,
    FINISH_FIELDS,
    INSTALL_TYPES,
    LOOKUP_FIELDS,
    MAX_NODE_LENGTH,
    QUERY_FIELDS,
    STATUSES,
    SYSTEM_FIELDS,
    TYPES,
)
from ansible_collections.community_scripts.telemetry.plugins.modules import pve_telemetry_info, pve_telemetry_report

COLLECTION_ROOT = Path(__file__).parents[4]
MIGRATIONS = COLLECTION_ROOT / "pocketbase" / "pb_migrations"
SEED_MIGRATION = "1700000000_create_dev_telemetry_data.js"
EXTENDED_MIGRATION = "1710000000_add_extended_fields.js"


def migration_fields(*names: str) -> dict:
    """Each field the migrations (all of them, in order, or those named) declare: its type, its max and, for a select, its values."""
    fields = {}
    for path in sorted(MIGRATIONS.glob("*.js")):
        if names and path.name not in names:
            continue
        for match in re.finditer(r'\{ name: "(\w+)", type: "(\w+)"([^}]*)\}', path.read_text(encoding="utf-8")):
            name, kind, rest = match.groups()
            values = re.search(r"values: (\[[^\]]*\])", rest)
            limit = re.search(r"max: (\d+)", rest)
            fields[name] = {"type": kind, "values": json.loads(values.group(1)) if values else None,
                            "max": int(limit.group(1)) if limit else None}
    return fields


def test_statuses_are_the_migrations_select_values():
    assert list(STATUSES) == migration_fields()["status"]["values"]


def test_types_are_the_migrations_select_values():
    assert list(TYPES) == migration_fields()["type"]["values"]
    assert set(INSTALL_TYPES) <= set(TYPES)


def test_every_field_list_names_fields_the_migration_declares():
    declared = set(migration_fields()) | {"id"}
    for fields in (CREATE_FIELDS, FINISH_FIELDS, LOOKUP_FIELDS, QUERY_FIELDS, SYSTEM_FIELDS, EXTENDED_FIELDS, AGGREGATE_FIELDS):
        assert set(fields) <= declared, fields
    # A fleet query reads every field but ct_type, which follows from type.
    assert declared - set(QUERY_FIELDS) == {"ct_type"}


def test_the_contracts_fields_are_the_seed_migrations_and_the_extended_ones_are_added_later():
    seed = set(migration_fields(SEED_MIGRATION))
    assert set(CREATE_FIELDS) | set(FINISH_FIELDS) <= seed
    assert not set(EXTENDED_FIELDS) & seed
    extended = migration_fields(EXTENDED_MIGRATION)
    assert set(extended) == set(EXTENDED_FIELDS) == set(EXTENDED_CREATE_FIELDS) | set(EXTENDED_FINISH_FIELDS)
    assert extended["error_detail"] == {"type": "text", "values": None, "max": ERROR_DETAIL_MAX_BYTES}
    assert extended["node"]["max"] == MAX_NODE_LENGTH
    assert extended["install_duration"]["type"] == "number"


def test_the_create_body_carries_the_create_fields_in_order():
    params = dict(random_id="3f0c0d9e-5c8a-4c1e-9d5b-2b7f4f0a1c2d", type="vm", nsapp="haos-vm", disk_size="32G")
    assert tuple(build_create_body(params, "8.2.4")) == CREATE_FIELDS


def module_options(module) -> dict:
    return yaml.safe_load(module.DOCUMENTATION)["options"]


def test_the_info_modules_choices_are_the_schemas():
    options = module_options(pve_telemetry_info)
    assert options["status"]["choices"] == list(STATUSES)
    assert options["type"]["choices"] == list(TYPES)


def test_the_report_modules_types_are_those_with_a_ct_type():
    assert module_options(pve_telemetry_report)["type"]["choices"] == list(INSTALL_TYPES)
