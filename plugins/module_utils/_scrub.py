# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The scrubber of a failing step's output before a record keeps it (``error_detail``). PRIVATE to this collection.

On an open backend anyone may read a record, so the output loses what is private and keeps what explains the
failure (package names, paths of the software, versions, error words, exit codes). Each mask is short and says
what it replaced:

- PEM blocks, also cut ones (a private key's lines up to its END line): ``<private key>``, ``<certificate>``,
  ``<PEM block>``;
- well-known token formats: JWTs, GitHub, GitLab, Slack, AWS access key ids, Google API keys, npm and PyPI
  tokens, Proxmox VE API tokens (``user@realm!id=uuid``) and tickets;
- URL credentials (``scheme://user:pw@host``): ``<credentials>@host``; ``curl -u user:pw``: ``user:<password>``;
- secrets by their key (password, passwd, pwd, passphrase, secret, token, api key, private key, access key,
  client secret, credentials, auth, cookie and the like, also inside longer names such as ``PGPASSWORD`` or
  ``aws_secret_access_key``) in ``k=v``, ``k: v``, ``--k v``, ``--k=v`` and JSON/YAML/Python forms, quoted or not;
  ``Authorization`` headers of any scheme keep the scheme only;
- e-mail addresses: ``<email>``;
- IPv4 and IPv6 addresses: ``<IPv4>``, ``<IPv6>``; a four-part version such as 2.4.1.0 after a version word
  (``version 2.4.1.0``, ``v2.4.1.0``), a package name (``pkg-2.4.1.0``, ``pkg=2.4.1.0``) or a comparison
  (``==2.4.1.0``) is kept.

Every pattern is linear in its input: each one starts only where a run of its first characters starts, and
what it repeats is delimited, so no input makes the regex engine backtrack over more than one run. ``scrub``
never raises: should anything fail, the whole text is withheld.
"""

from __future__ import annotations

import ipaddress
import re

IPV4_MASK = "<IPv4>"
IPV6_MASK = "<IPv6>"
EMAIL_MASK = "<email>"
CREDENTIALS_MASK = "<credentials>"
PRIVATE_KEY_MASK = "<private key>"
WITHHELD = "<error detail withheld: it could not be scrubbed>"

# A mask this module writes, or one written by hand (<hidden>): a value that is one is not masked again.
_MASK_RE = re.compile(r"<[A-Za-z][A-Za-z0-9 ]{0,31}>")

# --- PEM blocks ------------------------------------------------------------------------------------------

_PEM_MARK_RE = re.compile(r"-----(BEGIN|END) ([A-Z0-9 ]{1,64})-----")
# The lines of a PEM block's body: base64, and its headers (Proc-Type: 4,ENCRYPTED; DEK-Info: ...).
_PEM_BASE64_RE = re.compile(r"[A-Za-z0-9+/=]+")
_PEM_HEADER_RE = re.compile(r"(?:Proc-Type|DEK-Info|Comment): [^\n]{0,200}")


def _pem_mask(label: str) -> str:
    if "PRIVATE" in label:
        return PRIVATE_KEY_MASK
    return "<certificate>" if "CERTIFICATE" in label else "<PEM block>"


def _mask_pem(text: str) -> str:
    """Mask each PEM block; one without an END (cut off) to the end of the text; an END without a BEGIN
    (its BEGIN cut off) with the body lines before it."""
    if "-----" not in text:
        return text
    out, done, opened = [], 0, None  # done: where the text not yet copied starts; opened: (start, label)
    for mark in _PEM_MARK_RE.finditer(text):
        kind, label = mark.group(1), mark.group(2)
        if kind == "BEGIN":
            if opened is None:
                opened = (mark.start(), label)
            continue
        if opened is not None:
            start, label = opened
            opened = None
        else:
            start = _body_start(text, done, mark.start())
        out.append(text[done:start])
        out.append(_pem_mask(label))
        done = mark.end()
    if opened is not None:
        out.append(text[done:opened[0]])
        out.append(_pem_mask(opened[1]))
        done = len(text)
    out.append(text[done:])
    return "".join(out)


def _body_start(text: str, floor: int, end: int) -> int:
    """Where the body lines before ``end`` (an END line whose BEGIN is missing) start, not before ``floor``:
    base64 lines of 20 characters or more (the last one may be shorter) and headers."""
    start, last = end, True
    while start > floor:
        line_start = max(text.rfind("\n", floor, start - 1) + 1, floor)
        line = text[line_start:start].strip()
        if not (_PEM_HEADER_RE.fullmatch(line) or (_PEM_BASE64_RE.fullmatch(line) and (last or len(line) >= 20))):
            break
        start, last = line_start, False
    return start


# --- well-known token formats -------------------------------------------------------------------------

_UUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
_TOKEN_FORMATS = tuple((re.compile(pattern), mask) for pattern, mask in (
    # Proxmox VE API token, user@realm!tokenid=secret (a UUID), with or without PVEAPIToken= before it.
    (r"(?<![\w.+@!-])[\w.+-]{1,64}@[\w.-]{1,64}![\w.-]{1,64}[=:]" + _UUID + r"(?![\w-])", "<PVE API token>"),
    # Proxmox VE ticket (the PVEAuthCookie's value).
    (r"(?<![\w:])PVE(?:VNC)?:[\w.+@-]{1,128}:[0-9A-F]{8}::[A-Za-z0-9+/=]{16,}", "<PVE ticket>"),
    # JWT: header.payload.signature, base64url, the header and payload JSON objects ("eyJ" is '{"').
    (r"(?<![\w-])eyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]*", "<JWT>"),
    (r"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,255}(?![A-Za-z0-9_])", "<GitHub token>"),
    (r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{22,255}", "<GitHub token>"),
    (r"(?<![\w-])gl(?:pat|dt|rt|ptt|soat|cbt)-[\w-]{20,255}", "<GitLab token>"),
    (r"(?<![\w-])xox[abposr]-[A-Za-z0-9-]{10,255}", "<Slack token>"),
    (r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])", "<AWS key>"),
    (r"(?<![\w-])AIza[\w-]{35}(?![\w-])", "<Google API key>"),
    (r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])", "<npm token>"),
    (r"(?<![\w-])pypi-AgE[\w-]{50,}", "<PyPI token>"),
))

# scheme://user:password@host; the user may be empty, the password too.
_URL_CREDENTIALS_RE = re.compile(r"(?<=://)[^\s/?#@\"'<>]*:[^\s/?#@\"'<>]*@")
# curl -u user:password (and --user, --proxy-user): the user is kept.
_USER_OPTION_RE = re.compile(r"(?<!\S)(-u|--user|--proxy-user)( +|=)([\"']?)([^\s:\"']{1,128}):([^\s\"']+)")

# --- secrets by their key ----------------------------------------------------------------------------------

# A key: a word (in quotes, or escaped quotes inside a JSON string, or none), or two words such as "api key";
# after it, the separator: = or : (k=v, k: v, "k": "v") or, after a dash (--k v), blanks.
_KEY_RE = re.compile(
    r"(?<![\w.\\-])(?P<dash>--?)?(?P<quote>\\?[\"']?)"
    r"(?P<key>[A-Za-z_][\w.-]{0,63}(?:(?<=api|ate|ent|ess|ret|uth|rer|esh|ion) (?:key|secret|token|password))?)(?P=quote)"
    r"(?P<sep>[ \t]*[:=][ \t]*|[ \t]+)", re.IGNORECASE)
# What in a key (lower case, - . and blanks as _) says its value is a secret, and what says it is not (a flag, a path).
_SECRET_KEY_RE = re.compile(r"pass(?:word|wd|phrase)|secret|token|api_?key|private_?key|access_?key|credential|authori[sz]ation"
                            r"|cookie|(?:^|_)(?:pwd|pw|auth|session|ticket)(?:$|_)")
_PASS_KEY_RE = re.compile(r"(?:^|_)pass$")  # DB_PASS=, --pass: only with = or a dash (PASS: names a passed test)
_NOT_SECRET_KEY_RE = re.compile(r"(?:^|_)(?:no|ask|max|min|use|has|is|require|required|show|prompt)_"
                                r"|_(?:file|path|dir|stdin|length|len|min|max|policy|prompt|type|url|name|names|count|expiry|expires|expired)$"
                                r"|^(?:token_?id|tokenid|auth_?method)$")
# A value that says nothing secret: kept.
_HARMLESS_VALUE_RE = re.compile(r"(?:yes|no|true|false|none|null|nil|required|missing|empty|unset|set|invalid|incorrect|wrong"
                                r"|expired|denied|\*+|x+|\$\{?\w+\}?|\{\{[^{}]*\}\})", re.IGNORECASE)
_UNQUOTED_VALUE_RE = re.compile(r"[^\s\"'`,;&)\]}]+")
_SCHEME_RE = re.compile(r"[A-Za-z][\w-]{0,31}(?: +|=)(?=\S)")  # Basic, Bearer, Digest, PVEAPIToken=, AWS4-HMAC-SHA256 ...


def _mask_of(key: str) -> str:
    if "authori" in key or key.endswith("auth"):
        return CREDENTIALS_MASK
    for word, mask in (("pass", "<password>"), ("pw", "<password>"), ("private", "<private key>"), ("cookie", "<cookie>"),
                       ("credential", CREDENTIALS_MASK), ("token", "<token>"), ("ticket", "<ticket>"), ("api", "<api key>")):
        if word in key:
            return mask
    return "<secret>"


def _secret_key(key: str, sep: str, dash: str) -> bool:
    key = key.lower().replace("-", "_").replace(".", "_").replace(" ", "_")
    if _NOT_SECRET_KEY_RE.search(key):
        return False
    if _SECRET_KEY_RE.search(key):
        return True
    return bool(_PASS_KEY_RE.search(key)) and ("=" in sep or bool(dash))


def _quoted_end(text: str, start: int, quote: str, line_end: int) -> int:
    """Where the value quoted by ``quote`` (\" ' or an escaped one) that starts at ``start`` ends (its closing quote),
    or the line's end."""
    position = start
    while True:
        found = text.find(quote, position, line_end)
        if found < 0:
            return line_end
        backslashes = 0
        while found - backslashes - 1 >= start and text[found - backslashes - 1] == "\\":
            backslashes += 1
        if len(quote) == 2 or backslashes % 2 == 0:
            return found
        position = found + 1


def _mask_keyed(text: str) -> str:
    """Mask the values of the keys that name a secret."""
    out, done, position = [], 0, 0
    while True:
        match = _KEY_RE.search(text, position)
        if match is None:
            break
        position = match.end("key")
        key, sep, dash = match.group("key"), match.group("sep"), match.group("dash") or ""
        spaced = not sep.strip()  # --key value
        start = match.end()
        if (spaced and (not dash or text.startswith("-", start))) or not _secret_key(key, sep, dash):
            continue
        if _MASK_RE.match(text, start + 1 if text.startswith(("\"", "'"), start) else start):
            continue  # masked already (PVEAPIToken=<PVE API token>, "token": "<JWT>")
        line_end = text.find("\n", start)
        line_end = len(text) if line_end < 0 else line_end
        normal = key.lower().replace("-", "_").replace(".", "_").replace(" ", "_")
        quote = next((q for q in ("\\\"", "\\'", "\"", "'") if text.startswith(q, start)), "")
        if quote:
            value_start = start + len(quote)
            value_end = _quoted_end(text, value_start, quote, line_end)
        elif "authori" in normal or "cookie" in normal or (
                ":" in sep and not text[text.rfind("\n", 0, match.start()) + 1:match.start()].strip(" \t-")):
            # A header, or YAML's key: value on a line of its own: the value is the rest of the line, or of the
            # quoted text the key is in (-H "Authorization: Bearer ...").
            value_start = start
            opening = text[match.start() - 1] if match.start() and not match.group("quote") else ""
            if opening in ("\"", "'"):
                value_end = _quoted_end(text, start, opening, line_end)
            else:
                value_end = len(text[:line_end].rstrip(" \t\r"))
        else:
            value_start = start
            value = _UNQUOTED_VALUE_RE.match(text, start)
            value_end = value.end() if value else start
        if "authori" in normal:
            scheme = _SCHEME_RE.match(text, value_start, value_end)
            if scheme:
                value_start = scheme.end()
        value = text[value_start:value_end]
        if not value.strip() or _MASK_RE.fullmatch(value) or _HARMLESS_VALUE_RE.fullmatch(value):
            continue
        out.append(text[done:value_start])
        out.append(_mask_of(normal))
        done = position = value_end
    out.append(text[done:])
    return "".join(out)


# --- e-mail addresses ------------------------------------------------------------------------------------

# The domain ends in a name of letters: lodash@4.17.21 is a package's version, root@pam a Proxmox VE user.
_EMAIL_RE = re.compile(r"(?<![\w.+%-])[\w.+%-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}(?![\w-])")

# --- IPv4 and IPv6 addresses ---------------------------------------------------------------------------------

# Address candidates; ipaddress decides which really are addresses (a time such as 12:34:56, a MAC
# address or a version such as 1.2.3.4.5 is not). IPv6 first: it may end in a dotted IPv4 part.
_IPV6_CANDIDATE_RE = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4})?(?:%[\w.-]+)?(?![\w:])")
_IPV4_CANDIDATE_RE = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?!\d|\.\d)")
# What makes four numbers a version: a version word, a package name joined to it (pkg-2.4.1.0, pkg_2.4.1.0,
# pkg=2.4.1.0) or a comparison (==, >=, <=, ~=, !=), just before it.
_VERSION_BEFORE_RE = re.compile(r"(?:(?<![A-Za-z])(?:version|ver|v|release|rev|revision)[ \t]*[:=]?[ \t]*"
                                r"|(?<![\w.+-])(?P<name>[A-Za-z][\w.+-]{0,40})[-_=]|[=<>!~]=)\Z", re.IGNORECASE)
# A name before = or - that says the address is one (ip=, gw=, host-, nameserver=, mon_host=, ...): masked.
_ADDRESS_NAME_RE = re.compile(r"ip|addr|host|gw|gateway|dns|server|net|mask|route|peer|proxy|bind|listen|src|dst|dest|source"
                              r"|node|url|endpoint|remote|local|master|mon|forward|client|target|upstream|via|from|to$",
                              re.IGNORECASE)


def _is_ipv6(candidate: str) -> bool:
    try:
        ipaddress.IPv6Address(candidate.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _is_version(text: str, start: int) -> bool:
    before = _VERSION_BEFORE_RE.search(text[max(0, start - 48):start])
    return bool(before) and not (before.group("name") and _ADDRESS_NAME_RE.search(before.group("name")))


def _ipv4(match) -> str:
    candidate = match.group(0)
    if any(int(part) > 255 for part in candidate.split(".")) or _is_version(match.string, match.start()):
        return candidate
    return IPV4_MASK


def mask_addresses(text: str) -> str:
    """Replace every IPv4 and IPv6 address in ``text`` (with its zone, e.g. fe80::1%vmbr0) by a mask; four
    numbers that are a version (see _VERSION_BEFORE_RE) are kept."""
    text = _IPV6_CANDIDATE_RE.sub(lambda match: IPV6_MASK if _is_ipv6(match.group(0)) else match.group(0), text)
    return _IPV4_CANDIDATE_RE.sub(_ipv4, text)


def _user_option(match) -> str:
    """curl -u user:password; docker's -u uid:gid and --user www-data:www-data are kept."""
    user, password = match.group(4), match.group(5)
    if password.isdigit() or password == user or _MASK_RE.fullmatch(password):
        return match.group(0)
    return "".join(match.group(1, 2, 3, 4)) + ":<password>"


# --- the scrubber ------------------------------------------------------------------------------------------

def _scrub(text: str) -> str:
    text = _mask_pem(text)
    for pattern, mask in _TOKEN_FORMATS:
        text = pattern.sub(mask, text)
    text = _URL_CREDENTIALS_RE.sub(CREDENTIALS_MASK + "@", text)
    text = _USER_OPTION_RE.sub(_user_option, text)
    text = _mask_keyed(text)
    text = _EMAIL_RE.sub(EMAIL_MASK, text)
    return mask_addresses(text)


def scrub(text) -> str:
    """``text`` without its secrets, e-mail and IP addresses (see the module's docstring). Never raises: when
    scrubbing fails, the whole text is withheld, not kept."""
    try:
        return _scrub(str(text))
    except Exception:  # pylint: disable=broad-exception-caught
        return WITHHELD
