"""The province's clock: its days, weeks, months, working hours and reference years are Beijing time."""

from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
