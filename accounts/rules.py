"""Pure rules of account security (no Django): how long a verified browser is trusted."""

from datetime import datetime, time, timedelta


def trusted_until(now_local: datetime, workday_ends: time) -> datetime:
    """The moment a browser that passed the second factor at `now_local` stops being trusted:
    the end of the clinic's working day, or midnight when the day has already ended."""
    end = now_local.replace(
        hour=workday_ends.hour, minute=workday_ends.minute, second=0, microsecond=0
    )
    if now_local < end:
        return end
    midnight = datetime.combine(now_local.date() + timedelta(days=1), time(0), now_local.tzinfo)
    return midnight


def minutes_left(seconds: float) -> int:
    """Whole minutes, rounded up, for "try again in N minutes" (never 0)."""
    return max(1, int(-(-seconds // 60)))
