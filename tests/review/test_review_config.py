"""[review]: the facility's time zone and named shifts; shift windows, also across midnight and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from workstation.config import ConfigError, ReviewSettings, Settings, load_settings
from workstation.core.errors import Invalid
from workstation.core.review import DEFAULT_SHIFTS, ShiftWindow, shift_named, shift_of


def load(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "workstation.toml"
    path.write_text(text)
    return load_settings(path)


def test_the_defaults_are_three_eight_hour_shifts_from_six(tmp_path: Path) -> None:
    review = load(tmp_path, "").review
    assert review == ReviewSettings()
    assert [(s.name, s.start, s.hours) for s in review.shift_windows()] == [
        ("day", time(6), 8.0),
        ("evening", time(14), 8.0),
        ("night", time(22), 8.0),
    ]
    assert review.zone().utcoffset(datetime(2026, 1, 1)) is not None  # the machine's zone


def test_a_zone_and_shifts_from_the_file(tmp_path: Path) -> None:
    review = load(
        tmp_path,
        '[review]\ntimezone = "America/New_York"\n'
        '[[review.shifts]]\nname = "early"\nstart = "05:30"\nhours = 12\n'
        '[[review.shifts]]\nname = "late"\nstart = "17:30"\nhours = 12.0\n',
    ).review
    assert review.zone() == ZoneInfo("America/New_York")
    assert review.shifts == (ShiftWindow("early", time(5, 30), 12.0), ShiftWindow("late", time(17, 30), 12.0))


def test_the_example_config_holds_the_defaults() -> None:
    example = Path(__file__).resolve().parents[2] / "resources" / "workstation.example.toml"
    assert load_settings(example).review == ReviewSettings()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('timezone = "Mars/Olympus"', "[review]: 'timezone': 'Mars/Olympus' is not a time zone name"),
        ("timezone = 5", "[review]: 'timezone' must be str"),
        ("shifts = []", "[review]: 'shifts' must be a list of tables"),
        ('shifts = ["day"]', "[review]: 'shifts' must be a list of tables"),
        (
            'shifts = [{name = "day", start = "6am"}]',
            "'shifts' #1 (day): 'start' must be a time \"HH:MM\", not '6am'",
        ),
        ('shifts = [{name = "day", start = "25:00"}]', "'shifts' #1 (day): 'start' must be a time"),
        (
            'shifts = [{name = "day", start = "06:00", hours = 0}]',
            "'shifts' #1 (day): 'hours' must be a number",
        ),
        (
            'shifts = [{name = "day", start = "06:00", hours = 25}]',
            "'hours' must be a number above 0 and at most 24",
        ),
        ('shifts = [{name = "day", start = "06:00", hours = "8"}]', "'hours' must be a number"),
        ('shifts = [{start = "06:00"}]', "'shifts' #1: 'name' must be a non-empty string"),
        (
            'shifts = [{name = "day", start = "06:00"}, {name = "day", start = "18:00"}]',
            "'shifts' #2: 'name': 'day' names two shifts",
        ),
        ('shifts = [{name = "day", start = "06:00", length = 8}]', "'shifts' #1: unknown key 'length'"),
        ('zone = "UTC"', "[review]: unknown setting 'zone'"),
    ],
)
def test_a_bad_review_setting_is_named(tmp_path: Path, text: str, said: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load(tmp_path, f"[review]\n{text}\n")
    message = str(raised.value)
    assert message.startswith(str(tmp_path / "workstation.toml"))
    assert said in message


def test_a_night_shift_runs_past_midnight_and_belongs_to_the_day_it_starts() -> None:
    zone = ZoneInfo("Europe/Berlin")  # UTC+1 in winter
    night = shift_named(DEFAULT_SHIFTS, "night")
    start, end = night.span(date(2026, 1, 14), zone)
    assert (start, end) == (datetime(2026, 1, 14, 21, tzinfo=UTC), datetime(2026, 1, 15, 5, tzinfo=UTC))
    # 03:00 local on the 15th is the night shift of the 14th.
    assert shift_of(DEFAULT_SHIFTS, datetime(2026, 1, 15, 2, tzinfo=UTC), zone) == (date(2026, 1, 14), night)
    assert shift_of(DEFAULT_SHIFTS, datetime(2026, 1, 15, 5, tzinfo=UTC), zone) == (
        date(2026, 1, 15),
        shift_named(DEFAULT_SHIFTS, "day"),
    )


def test_the_night_of_the_spring_change_ends_when_the_day_shift_starts() -> None:
    zone = ZoneInfo("America/New_York")  # clocks go forward at 02:00 on 2026-03-08
    night = shift_named(DEFAULT_SHIFTS, "night")
    start, end = night.span(date(2026, 3, 7), zone)
    day_start, _ = shift_named(DEFAULT_SHIFTS, "day").span(date(2026, 3, 8), zone)
    assert start == datetime(2026, 3, 8, 3, tzinfo=UTC)  # 22:00 EST
    assert end == day_start == datetime(2026, 3, 8, 10, tzinfo=UTC)  # 06:00 EDT: seven hours that night
    assert end - start == timedelta(hours=7)


def test_a_gap_between_shifts_belongs_to_no_shift() -> None:
    shifts = (ShiftWindow("day", time(8), 8.0),)
    assert shift_of(shifts, datetime(2026, 1, 14, 20, tzinfo=UTC), UTC) is None
    with pytest.raises(Invalid, match="no shift named 'night'"):
        shift_named(shifts, "night")
