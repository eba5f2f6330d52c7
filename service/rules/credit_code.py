"""Unified social credit code (统一社会信用代码), GB 32100-2015.

Characters: 1 registration authority, 2 organisation category (allowed per authority),
3-8 administrative division code (GB/T 2260), 9-17 organisation code (GB 11714, its own
check digit last), 18 check character over the first seventeen.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from service.errors import N_

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# GB 32100-2015 appendix A: registration authority -> the organisation categories it registers.
AUTHORITY_CATEGORIES = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 群众团体, 其他
    "2": "19",  # 外交
    "3": "123459",  # 司法行政: 律师事务所, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    "4": "19",  # 文化
    "5": "1239",  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": "129",  # 旅游
    "7": "129",  # 宗教
    "8": "19",  # 工会
    "9": "123",  # 工商: 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室
    "N": "1239",  # 农业
    "Y": "1",  # 其他
}
ORGANISATION_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
DIVISION_CODES = Path(__file__).with_name("division_codes.tsv")
INVALID = N_("This is not a valid unified social credit code.")


def normalize(code: str) -> str:
    return code.strip().upper()


@cache
def division_codes() -> frozenset[str]:
    """The six-digit administrative division codes that exist, read once from the shipped list."""
    lines = DIVISION_CODES.read_text(encoding="utf-8").splitlines()
    return frozenset(line.split("\t", 1)[0] for line in lines if line and not line.startswith("#"))


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(ch) * weight for ch, weight in zip(first17, WEIGHTS, strict=False))
    return ALPHABET[(31 - total % 31) % 31]


def organisation_check_character(first8: str) -> str:
    """GB 11714: letters count 10 for A up to 35 for Z; a check value of 10 is written X, 11 is written 0."""
    total = sum(int(ch, 36) * weight for ch, weight in zip(first8, ORGANISATION_WEIGHTS, strict=False))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def complete(first16: str) -> str:
    """The full code for authority, category, division and the organisation code's first eight characters."""
    first17 = first16 + organisation_check_character(first16[8:16])
    return first17 + check_character(first17)


def is_valid(code: str) -> bool:
    """True when ``code`` (already normalized) follows GB 32100 in every part."""
    if len(code) != 18 or any(ch not in ALPHABET for ch in code):
        return False
    return (
        code[1] in AUTHORITY_CATEGORIES.get(code[0], "")
        and code[2:8] in division_codes()
        and organisation_check_character(code[8:16]) == code[16]
        and check_character(code[:17]) == code[17]
    )


def is_jilin(code: str) -> bool:
    """Characters 3-8 are the administrative division code; Jilin's start with 22."""
    return code[2:4] == "22"
