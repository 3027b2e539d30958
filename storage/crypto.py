"""Encryption at rest: each free-text value sealed with AES-GCM under a named key; keys live outside the database.

A stored value reads `mc1:<key id>:<base64(nonce | ciphertext)>`. The column's name is the associated data,
so a value copied into another column does not decrypt. Keys come from the environment or a key file.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

PREFIX = "mc1"


class KeyError_(Exception):
    """No usable key: none configured, an unknown key id, or a value that fails authentication."""


AUDIT_KEY_ID = "audit"  # a reserved entry: the HMAC key of the audit trail, never used to encrypt


class KeyRing:
    def __init__(self, keys: dict[str, bytes], current: str, audit_key: bytes | None = None):
        if current not in keys:
            raise KeyError_("the current key is not in the key ring")
        for kid, key in keys.items():
            if len(key) != 32 or ":" in kid or "," in kid:
                raise KeyError_(f"key {kid!r}: keys are 32 bytes (base64) with an id without ':' or ','")
        self.keys, self.current, self.audit_key = dict(keys), current, audit_key

    def audit(self) -> bytes:
        """The audit trail's HMAC key (bot.startup.load_keys refuses to start without one)."""
        if self.audit_key is None:
            raise KeyError_("no 'audit:' key in the key ring (make one with `meldcode keys new audit`)")
        return self.audit_key

    @classmethod
    def parse(cls, spec: str) -> KeyRing:
        """'id:base64key' entries separated by commas or lines; the last one is current (rotation appends)."""
        keys: dict[str, bytes] = {}
        audit_key = None
        last = None
        lines = [line.strip() for line in spec.splitlines() if not line.strip().startswith("#")]
        for entry in ",".join(lines).split(","):
            entry = entry.strip()
            if not entry:
                continue
            kid, _, b64 = entry.partition(":")
            try:
                raw = base64.b64decode(b64.strip(), validate=True)
            except ValueError:
                raise KeyError_(f"key {kid!r} is not valid base64") from None
            if kid.strip() == AUDIT_KEY_ID:
                audit_key = raw
                continue
            keys[kid.strip()] = raw
            last = kid.strip()
        if not keys or last is None:
            raise KeyError_("no key given")
        return cls(keys, last, audit_key)

    @staticmethod
    def new_entry(kid: str | None = None) -> str:
        kid = kid or "k" + secrets.token_hex(4)
        return f"{kid}:{base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()}"

    def encrypt(self, plaintext: str, aad: str) -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, plaintext.encode(), aad.encode())
        return f"{PREFIX}:{self.current}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, aad: str) -> str:
        try:
            prefix, kid, b64 = token.split(":", 2)
        except ValueError:
            raise KeyError_("not an encrypted value") from None
        if prefix != PREFIX or kid not in self.keys:
            raise KeyError_(f"no key {kid!r} to read this value")
        raw = base64.b64decode(b64)
        try:
            return AESGCM(self.keys[kid]).decrypt(raw[:12], raw[12:], aad.encode()).decode()
        except InvalidTag:
            raise KeyError_("a stored value failed authentication (altered, or another column's)") from None

    def key_id_of(self, token: str) -> str:
        return token.split(":", 2)[1]


def load_key_file(path: Path) -> KeyRing:
    return KeyRing.parse(path.read_text(encoding="utf-8"))


def create_key_file(path: Path) -> KeyRing:
    """A new key file readable by its owner only."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)  # owner-only, like the key itself
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("# meldcode-bot encryption keys: keep secret, back up apart from the database.\n")
        handle.write(KeyRing.new_entry(AUDIT_KEY_ID) + "\n")
        handle.write(KeyRing.new_entry() + "\n")
    return load_key_file(path)


def append_key(path: Path, kid: str | None = None) -> KeyRing:
    """Rotation: a new key becomes current; older ones stay to read values not yet re-encrypted.
    With kid="audit", adds the audit trail's key to a key file made before it existed."""
    with path.open("a", encoding="utf-8") as handle:
        handle.write(KeyRing.new_entry(kid) + "\n")
    return load_key_file(path)


_active: KeyRing | None = None


def use(keyring: KeyRing) -> None:
    """Make `keyring` the one the encrypted column types use in this process."""
    global _active
    _active = keyring


def active() -> KeyRing:
    if _active is None:
        raise KeyError_("no encryption key configured")
    return _active


class EncryptedText(TypeDecorator):
    impl = Text
    cache_ok = True

    def __init__(self, purpose: str):
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: Any, dialect) -> str | None:
        return None if value is None else active().encrypt(str(value), self.purpose)

    def process_result_value(self, value: str | None, dialect) -> str | None:
        return None if value is None else active().decrypt(value, self.purpose)


class EncryptedJSON(EncryptedText):
    """A JSON document (an answer's values) sealed as one value."""

    cache_ok = True  # not inherited: SQLAlchemy asks each class (its state, the purpose, is a plain string)

    def process_bind_param(self, value: Any, dialect) -> str | None:
        return None if value is None else active().encrypt(json.dumps(value, ensure_ascii=False), self.purpose)

    def process_result_value(self, value: str | None, dialect) -> Any:
        return None if value is None else json.loads(active().decrypt(value, self.purpose))


# Every encrypted column, for migrations and key rotation: (table, column, json?).
ENCRYPTED_COLUMNS = (
    ("answers", "values", True),
    ("signals", "text", False),
    ("signals", "source", False),
    ("signals", "diagnosed_by", False),
    ("signal_followups", "note", False),
    ("corrections", "note", False),
    ("reminders", "done_note", False),
)
