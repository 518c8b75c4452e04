"""Time edge cases as show files meet them (SPEC 1.1), and the decisions taken.

Decision: numbers are rounded to the millisecond (a float from OSC or YAML cannot hold
exact decimals); a written `M:SS.fff` with more than three decimals is refused, since
the operator evidently meant a precision the controller does not have.
"""

import re

import pytest

from showctl.timecode import TimeFormatError, format_time, parse_clock, parse_time


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        (59.999, 59.999),
        ("59.999", 59.999),
        ("1:00:00.000", 3600.0),
        ("0:19:00", 1140.0),
        ("1:23.5", 83.5),
        ("10:30", 630.0),
        ("0:00.001", 0.001),
        (83.5678, 83.568),
        (0, 0.0),
        ("  2:05 ", 125.0),
    ],
)
def test_valid_times(written, seconds):
    assert parse_time(written) == seconds


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (-1, "time -1 is negative"),
        ("-0:01", "time '-0:01' is negative"),
        ("1:60", "'1:60': seconds must be below 60"),
        ("1:60:00", "'1:60:00': minutes must be below 60 in H:MM:SS"),
        ("1:2:3", "'1:2:3' is not a time: seconds need two digits (03)"),
        ("1:5", "'1:5' is not a time: seconds need two digits (05)"),
        ("1:23.4567", "'1:23.4567' has more than 3 decimals: times are to the millisecond "
         "(.457)"),
        ("1:23.4565", "'1:23.4565' has more than 3 decimals: times are to the millisecond "
         "(.457)"),
        ("1:23.9996", "'1:23.9996' has more than 3 decimals: times are to the millisecond "
         "(1:24.000)"),
        ("1:23.", "'1:23.' is not a time: digits must follow the '.'"),
        ("", "'' is not a time: write seconds (83.5), M:SS(.fff) or H:MM:SS(.fff)"),
        ("soon", "'soon' is not a time: write seconds"),
        (None, "a time is needed: write seconds (83.5)"),
        (True, "true is not a time: write seconds"),
        (99999999999999999999999, "time 99999999999999999999999 is more than 24 hours"),
        ("24:00:01", "time '24:00:01' is more than 24 hours"),
        (float("nan"), "is not a finite time"),
        (float("inf"), "is not a finite time"),
    ],
)
def test_invalid_times_say_why(written, message):
    with pytest.raises(TimeFormatError, match=re.escape(message)):
        parse_time(written)


def test_format_time_round_trips_through_parse():
    for seconds in (0.0, 59.999, 83.5, 1140.0, 3600.0, 4000.123):
        assert parse_time(format_time(seconds)) == seconds


@pytest.mark.parametrize("written", ["24:00", "9:00", "10:60", 1030, "10h30"])
def test_clock_times_of_day_are_strict(written):
    with pytest.raises(TimeFormatError):
        parse_clock(written)
