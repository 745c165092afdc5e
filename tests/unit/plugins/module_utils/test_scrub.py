# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The scrubber of error_detail (plugins/module_utils/_scrub.py): a corpus of real-looking output lines, the masked
and the kept; PEM blocks whole and cut; the window and the tail; the finish body and the invocation; linear time on
adversarial lines; and no exception, whatever the input. A line spooled by an older version is scrubbed at its flush:
tests/integration/targets/module_utils_pocketbase/test_spool.py, against a real PocketBase."""

from __future__ import annotations

import json
import time

import pytest

from ansible_collections.community_scripts.telemetry.plugins.module_utils import _scrub
from ansible_collections.community_scripts.telemetry.plugins.module_utils._payloads import (
    SCRUB_WINDOW,
    build_finish_body,
    error_detail_tail,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._records import ERROR_DETAIL_MAX_BYTES
from ansible_collections.community_scripts.telemetry.plugins.module_utils._scrub import WITHHELD, scrub
from ansible_collections.community_scripts.telemetry.plugins.module_utils._tasks import TaskContext, run_update

UUID = "3f0c0d9e-5c8a-4c1e-9d5b-2b7f4f0a1c2d"
GITHUB = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
KEY_BODY = ["b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
            "QyNTUxOQAAACDlL0bS0Yw4kq1HnNp0Ck7W6o9H0y3kQyJ6S8r5QqJq9QAAAJgAAAAAAAAAAAtz",
            "c2gtZWQyNTUxOQAAACDlL0bS0Yw4kq1HnNp0Ck7W6o9H0y3kQyJ6S8r5QqJq9Q=="]
OPENSSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(KEY_BODY) + "\n-----END OPENSSH PRIVATE KEY-----"

MASKED = [
    # Secrets by their key, in every form.
    ("mysql -u root --password=Sup3rS3cret! -h db.internal app", "mysql -u root --password=<password> -h db.internal app"),
    ("pct create 120 local:vztmpl/debian-12.tar.zst --password hunter2 --cores 2",
     "pct create 120 local:vztmpl/debian-12.tar.zst --password <password> --cores 2"),
    ("PASSWORD: correct horse battery staple", "PASSWORD: <password>"),
    ("  db_password: 's3cr3t value'", "  db_password: '<password>'"),
    ("- passwd: hunter2", "- passwd: <password>"),
    ("export PGPASSWORD=pg_pass_42; psql -h localhost", "export PGPASSWORD=<password>; psql -h localhost"),
    ("MYSQL_PWD=abc123 mysqldump --all-databases", "MYSQL_PWD=<password> mysqldump --all-databases"),
    ("DB_PASS=letmein ./install.sh", "DB_PASS=<password> ./install.sh"),
    ("ssh-keygen -N '' --passphrase=\"my long phrase\"", "ssh-keygen -N '' --passphrase=\"<password>\""),
    ('{"username": "admin", "password": "p@ss\\"word", "port": 5432}',
     '{"username": "admin", "password": "<password>", "port": 5432}'),
    ("fatal: [pve1]: FAILED! => {'changed': False, 'api_token_secret': 'f3c1a2b4', 'msg': 'boom'}",
     "fatal: [pve1]: FAILED! => {'changed': False, 'api_token_secret': '<token>', 'msg': 'boom'}"),
    ('"msg": "{\\"client_secret\\": \\"abc.def-123\\", \\"error\\": \\"invalid_grant\\"}"',
     '"msg": "{\\"client_secret\\": \\"<secret>\\", \\"error\\": \\"invalid_grant\\"}"'),
    ("curl https://api.example.org/v1/items?api_key=9f8e7d6c&page=2", "curl https://api.example.org/v1/items?api_key=<api key>&page=2"),
    ("x-api-key: 0123456789abcdef", "x-api-key: <api key>"),
    ("API key: AbCdEf0123456789", "API key: <api key>"),
    ("apikey=abcdef123456 status=401", "apikey=<api key> status=401"),
    ("client secret = 'Zx9-Yw8_Vu7'", "client secret = '<secret>'"),
    ("--client-secret Zx9Yw8Vu7 --tenant contoso", "--client-secret <secret> --tenant contoso"),
    ("GITLAB_TOKEN=abc123def456 git push", "GITLAB_TOKEN=<token> git push"),
    ("token: 1234567890abcdef", "token: <token>"),
    ("CSRFPreventionToken: 6560F3A2:kzO0kmL6UmHrTjK0lP9n", "CSRFPreventionToken: <token>"),
    ("private_key=/dev/null-not-a-path-AAAAB3NzaC1yc2E", "private_key=<private key>"),
    ("credentials: {user: bob}", "credentials: <credentials>"),
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key = <secret>"),
    ("SECRET_KEY='django-insecure-0123456789'", "SECRET_KEY='<secret>'"),
    ("docker login -u deploy --password=dckr_pat_abc123 registry.example.org",
     "docker login -u deploy --password=<password> registry.example.org"),
    # Authorization headers, any scheme: the scheme is kept.
    ("Authorization: Bearer abc.def.ghi", "Authorization: Bearer <credentials>"),
    ("Authorization: Basic dXNlcjpodW50ZXIy", "Authorization: Basic <credentials>"),
    ('curl -sS -H "Authorization: Token 0123abcd" https://netbox.example.org/api/',
     'curl -sS -H "Authorization: Token <credentials>" https://netbox.example.org/api/'),
    ("Authorization: Digest username=\"bob\", realm=\"pve\", response=\"6629fae4\"", "Authorization: Digest <credentials>"),
    ("proxy-authorization: Negotiate YIIC6wYGKwYBBQUCoIIC", "proxy-authorization: Negotiate <credentials>"),
    ("{'Authorization': 'Bearer s3cr3t', 'Accept': 'application/json'}",
     "{'Authorization': 'Bearer <credentials>', 'Accept': 'application/json'}"),
    ("Cookie: PVEAuthCookie=PVE%3Aroot%40pam%3A65; lang=en", "Cookie: <cookie>"),
    # Proxmox VE API tokens and tickets.
    (f"Authorization: PVEAPIToken=root@pam!ansible={UUID}", "Authorization: PVEAPIToken=<PVE API token>"),
    (f"proxmoxer: PVEAPIToken=automation@pve!ci={UUID} rejected (401)", "proxmoxer: PVEAPIToken=<PVE API token> rejected (401)"),
    (f"api_token: deploy@pve!terraform:{UUID}", "api_token: <PVE API token>"),
    ("ticket PVE:root@pam:6560F3A2::c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl expired", "ticket <PVE ticket> expired"),
    # JWTs.
    (f"bearer {JWT} rejected: token expired", "bearer <JWT> rejected: token expired"),
    (f"Authorization: Bearer {JWT}", "Authorization: Bearer <JWT>"),
    # URL credentials.
    ("fatal: unable to access 'https://deploy:Zx9pw@git.example.com/team/app.git/': 403",
     "fatal: unable to access 'https://<credentials>@git.example.com/team/app.git/': 403"),
    ("DATABASE_URL=postgres://app:pg-pw-1@db:5432/app", "DATABASE_URL=postgres://<credentials>@db:5432/app"),
    ("redis://:onlypassword@cache:6379/0", "redis://<credentials>@cache:6379/0"),
    ("curl -fsSL -u admin:hunter2 https://nexus.local/repo", "curl -fsSL -u admin:<password> https://nexus.local/repo"),
    # E-mail addresses.
    ("certbot: no account for admin@example.com at acme-v02", "certbot: no account for <email> at acme-v02"),
    ("Maintainer: Jane Doe <jane.doe+pve@mail.example.co.uk>", "Maintainer: Jane Doe <<email>>"),
    # Well-known token formats.
    (f"remote: Invalid username or password. ({GITHUB})", "remote: Invalid username or password. (<GitHub token>)"),
    ("gh auth: github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "gh auth: <GitHub token>"),
    ("using gho_0123456789abcdefghijABCDEFGHIJ012345 and ghs_0123456789abcdefghijABCDEFGHIJ012345",
     "using <GitHub token> and <GitHub token>"),
    ("git clone https://oauth2:glpat-AbCdEfGhIjKlMnOpQrSt@gitlab.com/x/y.git", "git clone https://oauth2:<GitLab token>@gitlab.com/x/y.git"),
    ("glab: glpat-AbCdEfGhIjKlMnOpQrSt is revoked", "glab: <GitLab token> is revoked"),
    ("aws: AKIAIOSFODNN7EXAMPLE is not authorized", "aws: <AWS key> is not authorized"),
    ("AWS_ACCESS_KEY_ID=ASIAXYZ0123456789ABC terraform apply", "AWS_ACCESS_KEY_ID=<AWS key> terraform apply"),
    ("slack webhook xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOp failed", "slack webhook <Slack token> failed"),
    ("xoxp-0123456789-abcdefghij", "<Slack token>"),
    # PEM blocks.
    ("key:\n" + OPENSSH_KEY + "\nPermission denied (publickey)", "key:\n<private key>\nPermission denied (publickey)"),
    ("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,1A2B\n\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
     "<private key>"),
    ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "<private key>"),  # cut: no END
    ("\n".join(KEY_BODY[1:]) + "\n-----END OPENSSH PRIVATE KEY-----\nssh: load failed", "<private key>\nssh: load failed"),
    ("-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE\n-----END CERTIFICATE-----", "<certificate>"),
    # Addresses, as before.
    ("connect to 192.168.1.10 port 8006 failed", "connect to <IPv4> port 8006 failed"),
    ("net0: name=eth0,bridge=vmbr0,ip=10.0.0.5/24,gw=10.0.0.1", "net0: name=eth0,bridge=vmbr0,ip=<IPv4>/24,gw=<IPv4>"),
    ("nameserver=1.1.1.1 searchdomain=lan", "nameserver=<IPv4> searchdomain=lan"),
    ("ssh: connect to host 2001:db8::10 port 22", "ssh: connect to host <IPv6> port 22"),
    ("server 10.1.2.3 is down", "server <IPv4> is down"),
    ("host-10.1.2.3 unreachable", "host-<IPv4> unreachable"),
]
GIVEN = [pair[0] for pair in MASKED]

KEPT = [
    "E: Unable to locate package nginx-full",
    "E: Package 'python3-pip' has no installation candidate",
    "dpkg: error processing package postgresql-16 (--configure):",
    " installed postgresql-16 package post-installation script subprocess returned error exit status 1",
    "Errors were encountered while processing: /var/cache/apt/archives/libssl3_3.0.11-1~deb12u2_amd64.deb",
    "/opt/community-scripts/ct/debian.sh: line 42: pct: command not found",
    "Traceback (most recent call last): File \"/usr/lib/python3/dist-packages/proxmoxer/core.py\", line 110",
    "npm ERR! notarget No matching version found for lodash@4.17.99.",
    "ERROR: Could not find a version that satisfies the requirement ansible-core==2.19.0.1",
    "Version 2.4.1.0 of pkg is required, found v2.4.0.9",
    "Setting up pkg-2.4.1.0 ...",
    "apt-get install -y foo=2.4.1.0",
    "Downloading release 2.4.1.0 from the mirror",
    "libfoo_2.4.1.0_amd64.deb: checksum mismatch",
    "pip install 'requests>=2.31.0.1' failed",
    "ERROR 1045 (28000): Access denied for user 'root' (using password: YES)",
    "sudo: a password is required",
    "Enter password:",
    "mysql: [Warning] Using a password on the command line interface can be insecure.",
    "docker login --password-stdin registry.example.org",
    "ansible-playbook --ask-pass site.yml",
    "password=<password> was masked already; token=<token>",
    "password=$DB_PASSWORD from the environment",
    "--password-file /etc/pve/priv/storage/backup.pw",
    "TASK [Create the token] *** token_name: ci",
    "PVE user root@pam!ansible has no token secret here",
    "pveversion: pve-manager/8.2.4/faa83925c9641325 (running kernel: 6.8.12-4-pve)",
    "exit code 214: Not enough storage space",
    "make: *** [Makefile:12: build] Error 2",
    "tar: Exiting with failure status due to previous errors",
    "at 12:34:56 the step ended with rc=137 (SIGKILL)",
    "mac bc:24:11:aa:bb:cc on vmbr0",
    "random_id 3f0c0d9e-5c8a-4c1e-9d5b-2b7f4f0a1c2d",
    "sha256 0f343b0931126a20f133d67c2b018a3b1e4f8e7a7f5f64a6c0e4c8fd8f6d0a1b does not match",
    "PASS: test_install (0.5s)",
    "",
]


@pytest.mark.parametrize("given, masked", MASKED)
def test_secrets_are_masked(given, masked):
    assert scrub(given) == masked


@pytest.mark.parametrize("line", KEPT)
def test_what_explains_a_failure_is_kept(line):
    assert scrub(line) == line


@pytest.mark.parametrize("given", GIVEN + KEPT)
def test_scrubbing_twice_changes_nothing(given):
    # A spooled detail is scrubbed again at its flush: that must not change what was scrubbed before.
    assert scrub(scrub(given)) == scrub(given)


@pytest.mark.parametrize("secret", ["Sup3rS3cret!", "hunter2", "correct horse", UUID, GITHUB, JWT.split(".")[2], KEY_BODY[1],
                                    "dXNlcjpodW50ZXIy", "Zx9pw", "admin@example.com", "AKIAIOSFODNN7EXAMPLE", "192.168.1.10"])
def test_no_secret_of_the_corpus_survives(secret):
    scrubbed = scrub("\n".join(GIVEN))
    assert secret not in scrubbed


def test_masks_are_short_and_say_what_they_mask():
    masks = set()
    for given in GIVEN:
        masks.update(part.split(">")[0] for part in scrub(given).split("<")[1:] if ">" in part)
    assert {"password", "token", "email", "private key", "credentials", "api key", "secret", "JWT", "GitHub token",
            "AWS key", "PVE API token", "IPv4", "IPv6"} <= masks
    assert all(0 < len(mask) <= 16 for mask in masks if mask != "email>"), masks


def test_the_tail_is_scrubbed_before_it_is_cut():
    # The key's BEGIN line is 30 lines before the end: only the last 20 lines are kept, and none of the key.
    lines = ["-----BEGIN OPENSSH PRIVATE KEY-----"] + KEY_BODY * 9 + ["-----END OPENSSH PRIVATE KEY-----"]
    output = "\n".join(lines + ["Permission denied (publickey)"])
    tail = error_detail_tail(output)
    assert tail == "<private key>\nPermission denied (publickey)"
    # A password at the very start of a long output, the cut falls after it.
    long = "--password hunter2 " + "x" * (ERROR_DETAIL_MAX_BYTES - 10)
    assert "hunter2" not in error_detail_tail(long) and len(error_detail_tail(long).encode()) <= ERROR_DETAIL_MAX_BYTES


def test_the_window_starts_at_a_line_or_a_word():
    # The scrubber reads the end of a huge output; a secret cut from its key at the window's start is dropped.
    secret_line = "--password hunter2 and more"
    output = secret_line + "\n" + "y" * (SCRUB_WINDOW - 10) + "\nfailed"
    assert error_detail_tail(output).endswith("\nfailed")
    one_line = "token=" + "s" * SCRUB_WINDOW + " failed"
    assert error_detail_tail(one_line) == "failed"
    assert error_detail_tail("z" * (SCRUB_WINDOW + 5)) == ""


def test_a_finish_body_and_the_invocation_carry_the_scrubbed_text():
    body = build_finish_body("failed", 1, None, "psql: FATAL for --password hunter2 on 10.0.0.9\n")
    assert body["error_detail"] == "psql: FATAL for --password <password> on <IPv4>"

    class Context(TaskContext):
        check_mode = True

        def warn(self, message):
            raise AssertionError(message)

        def consent_refusal(self):
            return "no consent in this test"

    params = dict(random_id=UUID, record_id=None, status="failed", exit_code=1, install_duration=None, force=False,
                  error_detail="Authorization: Bearer abc123", url="http://127.0.0.1:9", collection="_dev_telemetry_data",
                  timeout=5, retries=0, validate_certs=True, ca_path=None, token=None, spool_dir=None)
    result = run_update(params, Context())
    assert result["error_detail"] == params["error_detail"] == "Authorization: Bearer <credentials>"
    assert "abc123" not in json.dumps(result)


@pytest.mark.parametrize("unit", [
    "a", " ", "-", ":", "a:", "1:", "@", "a@", "a.a@b.", "1.", "1.1.1.1 ", "v1.1.1.1 ", "ip=1.1.1.1 ", "pkg-", "\"", "\\\"",
    "'", "=", "password ", "password=", "--password ", "\"password\": \"", "'token': '", "Authorization: ", "Authorization: Bearer \"",
    "eyJ", "eyJaaaa.", "eyJa.eyJb.", "ghp_", "glpat-", "xoxb-", "AKIA", "://", "://a:", "://a:b", "-u a:", "a@b!c=",
    "PVE:a@b:", "-----BEGIN ", "-----END X-----", "-----BEGIN A-----\n", "AAAAAAAAAAAAAAAAAAAAAAAA\n-----END X-----\n",
    "Zz09+/", "<a>", "%", "::ffff:", "a-b_c.d+", "\n",
])
def test_adversarial_lines_take_linear_time(unit):
    # A 4096-byte line (the field's cap), then the largest text the scrubber reads: a pattern that backtracks
    # over what it read before would take seconds to minutes on the second; the scrubber takes milliseconds.
    for size, budget in ((ERROR_DETAIL_MAX_BYTES, 0.5), (SCRUB_WINDOW, 3.0)):
        line = (unit * (size // len(unit) + 1))[:size]
        started = time.perf_counter()
        scrubbed = scrub(line)
        elapsed = time.perf_counter() - started
        assert isinstance(scrubbed, str)
        assert elapsed < budget, f"{size} bytes of {unit!r} took {elapsed:.2f} s"


@pytest.mark.parametrize("given", [None, 42, b"bytes", "\udcff", "\x00" * 10, "<" * 1000, {"password": "x"}])
def test_any_input_gives_text(given):
    assert isinstance(scrub(given), str)


def test_a_failing_scrubber_withholds_everything(monkeypatch):
    def broken(text):
        raise RuntimeError("boom")

    monkeypatch.setattr(_scrub, "_mask_keyed", broken)
    assert scrub("password=hunter2") == WITHHELD
