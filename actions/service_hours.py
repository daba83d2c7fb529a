"""Whether human support is open, and when it opens next (brand.yml hours)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY_NAMES = {"mon": "周一", "tue": "周二", "wed": "周三", "thu": "周四", "fri": "周五", "sat": "周六", "sun": "周日"}


class ServiceHours:
    def __init__(self, settings: Dict[str, Any]) -> None:
        self.zone = ZoneInfo(settings.get("timezone", "Asia/Shanghai"))
        self.hours: Dict[str, Tuple[time, time]] = {}
        for day, span in (settings.get("service_hours") or {}).items():
            if span:
                self.hours[day] = (_parse(span[0]), _parse(span[1]))
        self.closed = {date.fromisoformat(str(d)) for d in settings.get("closed_dates") or []}

    def local(self, moment: Optional[datetime] = None) -> datetime:
        moment = moment or datetime.now(tz=self.zone)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        return moment.astimezone(self.zone)

    def _span(self, day: date) -> Optional[Tuple[time, time]]:
        if day in self.closed:
            return None
        return self.hours.get(DAYS[day.weekday()])

    def is_open(self, moment: Optional[datetime] = None) -> bool:
        now = self.local(moment)
        span = self._span(now.date())
        return bool(span) and span[0] <= now.time() < span[1]

    def next_open(self, moment: Optional[datetime] = None) -> Optional[datetime]:
        """The next opening time after `moment`; None when never open."""
        now = self.local(moment)
        for offset in range(0, 15):
            day = now.date() + timedelta(days=offset)
            span = self._span(day)
            if not span:
                continue
            opening = datetime.combine(day, span[0], tzinfo=self.zone)
            if opening > now:
                return opening
        return None

    def describe_next_open(self, moment: Optional[datetime] = None) -> str:
        """"今天 09:00" / "明天 10:00" / "周一（11月30日）09:00"."""
        opening = self.next_open(moment)
        if opening is None:
            return "恢复服务后"
        today = self.local(moment).date()
        days = (opening.date() - today).days
        clock = opening.strftime("%H:%M")
        if days == 0:
            return f"今天 {clock}"
        if days == 1:
            return f"明天 {clock}"
        return f"{DAY_NAMES[DAYS[opening.weekday()]]}（{opening.month}月{opening.day}日）{clock}"

    def table(self) -> str:
        """One line per run of days with the same hours: "周一至周五 09:00-21:00"."""
        lines: List[str] = []
        run: List[str] = []
        for day in DAYS + [None]:
            span = self.hours.get(day) if day else None
            if run and (day is None or span != self.hours.get(run[0])):
                first = self.hours.get(run[0])
                label = DAY_NAMES[run[0]] if len(run) == 1 else f"{DAY_NAMES[run[0]]}至{DAY_NAMES[run[-1]]}"
                lines.append(f"{label} {first[0]:%H:%M}-{first[1]:%H:%M}" if first else f"{label} 休息")
                run = []
            if day:
                run.append(day)
        return "\n".join(lines)


def _parse(value: str) -> time:
    hour, minute = str(value).split(":")
    return time(int(hour), int(minute))
