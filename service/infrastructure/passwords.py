"""Password hashing (Argon2id) and the password rules."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from service.errors import N_

MIN_LENGTH = 8
# Read aloud or typed from a screen: no letters or digits that look alike (l/1, o/0).
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_hasher = PasswordHasher()
# Verified against when the email is unknown, so a miss costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def configure(time_cost: int, memory_cost: int) -> None:
    """Set the KDF cost (tests lower it; production keeps argon2's defaults)."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)
    _DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def temporary_password() -> str:
    """A random password to hand over once (about 74 bits), in groups of four: xxxx-xxxx-xxxx-xxxx."""
    return "-".join("".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(4))


def password_problem(password: str, email: str = "") -> str | None:
    """A message id saying what is wrong with a new password, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return N_("The password must be at least 8 characters long.")
    lowered = password.lower()
    if lowered in common_passwords() or (email and lowered == email.lower().split("@")[0]):
        return N_("This password is too common or too easy to guess; please choose another.")
    return None


COMMON_COUNT = 10_000


@cache
def common_passwords() -> frozenset[str]:
    """The 10,000 most common passwords (zxcvbn's list, ranked from leaked password sets), plus local favourites."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON_COUNT]) | _LOCAL_COMMON


# Common in China and absent from the (mostly Western) list above.
_LOCAL_COMMON = frozenset(
    """woaini1314 woaini520 5201314520 1314520520 a123456789 qq123456 aa123456 zxcvbnm123 asdfghjkl 987654321
    147258369 123123123 11223344 12344321 88888888 66666666 00000000 11111111 1q2w3e4r 1qaz2wsx abc12345
    abcd1234 admin123 administrator welcome1 passw0rd p@ssw0rd qwerty123 password123 iloveyou woaini123
    wangjian123 zhang123456 li123456 aini1314 520520520 1314woaini qazwsxedc 123qweasd qweasdzxc
    11235813 12qwaszx 123456aa 123456abc a1234567 a12345678 aa12345678 abc123456 qwe123456""".split()
)
