"""Unified social credit code (统一社会信用代码), GB 32100-2015."""
from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def normalize(code: str) -> str:
    return code.strip().upper()


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(ch) * weight for ch, weight in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    """True when ``code`` (already normalized) has 18 allowed characters and the right check character."""
    if len(code) != 18 or any(ch not in ALPHABET for ch in code):
        return False
    return check_character(code[:17]) == code[17]


def is_jilin(code: str) -> bool:
    """Characters 3-8 are the administrative division code; Jilin's start with 22."""
    return code[2:4] == "22"
