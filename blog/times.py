"""How a moment is shown to readers: in the entry's zone, with the zone said (issue 10).

Every time on the page reads "10:19 PDT" and carries the full date and zone in
its title, because a bare "10:19" lies to every reader in another zone. One
function builds all of it, so the page, the feed and the admin agree.
"""

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

from django.utils import timezone


def zone_abbreviation(moment):
    """The zone's abbreviation at this moment ("PDT"), or its UTC offset ("UTC+5:45") when it has none.

    The tz database writes a zone without a real abbreviation as its offset
    ("+0545", "-03"); readers know "UTC+5:45" better.
    """
    name = moment.tzname()
    if name and name[0] not in "+-":
        return name
    minutes = round(moment.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")


@dataclass(frozen=True)
class LocalTime:
    """A moment in an entry's zone, with every way the page writes it."""

    moment: datetime
    zone_name: str
    # The day it is shown beside (an edit's, its update's): on another day, the label says which.
    beside: date | None = None

    @classmethod
    def of(cls, instant, zone, beside=None):
        return cls(timezone.localtime(instant, zone), zone.key, beside)

    @cached_property
    def iso(self):
        """ISO 8601 with the zone's offset, to the second (HTML allows at most milliseconds)."""
        return self.moment.isoformat(timespec="seconds")

    @cached_property
    def clock(self):
        return f"{self.moment:%H:%M}"

    @cached_property
    def zoned_clock(self):
        return f"{self.clock} {zone_abbreviation(self.moment)}"

    @cached_property
    def label(self):
        """The clock and zone; beside an update of another day, with a short date too ("09:46 EST, 4 Nov")."""
        if self.beside is None or self.beside == self.day:
            return self.zoned_clock
        year = f" {self.moment.year}" if self.beside.year != self.moment.year else ""
        return f"{self.zoned_clock}, {self.moment.day} {self.moment:%b}{year}"

    @cached_property
    def day(self):
        return self.moment.date()

    @cached_property
    def day_iso(self):
        return self.moment.date().isoformat()

    @cached_property
    def day_label(self):
        return f"{self.moment:%A} {self.moment.day} {self.moment:%B %Y}"

    @cached_property
    def title(self):
        """The full date and zone, for the time element's tooltip: the zone's name once, not "UTC (UTC)".

        An Etc/ zone is a fixed offset that the abbreviation already says, and its name
        would mislead: Etc/GMT+3 is UTC-3 (POSIX turns the sign around).
        """
        if zone_abbreviation(self.moment) == self.zone_name or self.zone_name.startswith("Etc/"):
            return f"{self.day_label}, {self.zoned_clock}"
        return f"{self.day_label}, {self.zoned_clock} ({self.zone_name})"
