"""Venue and schedule errors, each at the line and column of its node."""

from showctl.model import Device

from .helpers import errors

SHOW = "id: normandy\ncues:\n  - {id: '1', at: 0, lights: {cue: x}}\n"


def test_venue_errors(tmp_path):
    assert errors(tmp_path, venue="""\
        venue: room
        timezone: Europe/Pariss
        osc: {listen: "127.0.0.1:99999", allow: [10.0.0.300/8]}
        device:
          - x
        devices:
          - {id: screen1, kind: screen, index: 1, port: 9101}
          - {id: screen1, kind: screen, index: 1, port: 9102}
          - {id: side, kind: screen, port: 9103}
          - {id: lights, kind: dimmer, port: 9110}
        groups:
          all: [screen1]
          front: [screen1, screen7]
        """) == [
        "venue.yaml:2:11: timezone: unknown timezone 'Europe/Pariss': use an IANA name "
        "such as Europe/Paris",
        "venue.yaml:3:15: listen: '127.0.0.1:99999': port must be 1 to 65535",
        "venue.yaml:3:42: allow: '10.0.0.300/8' is not a network: write e.g. 127.0.0.0/8, "
        "192.168.10.0/24 or ::1/128",
        "venue.yaml:4:1: unknown key `device`: did you mean `devices`?",
        "venue.yaml:8:10: duplicate device id 'screen1' (first on line 7)",
        "venue.yaml:8:40: duplicate screen index 1 (first on line 7)",
        "venue.yaml:9:5: screen 'side' needs an index",
        "venue.yaml:10:24: kind: 'dimmer' is not one of: 'screen', 'lighting', 'audio', "
        "'projector' or 'osc'",
    ]


def test_venue_cross_checks(tmp_path):
    assert errors(tmp_path, venue="""\
        venue: room
        devices:
          - {id: screen1, kind: screen, index: 1, port: 9101}
          - {id: screen1, kind: screen, index: 2, port: 9102}
          - {id: screen3, kind: screen, index: 1, port: 9103}
          - {id: dmx, kind: lighting, port: 7770, profile: OLA}
        groups:
          all: [screen1]
          front: [screen1, screen7]
        web:
          users:
            - {name: ann, role: admin, password_hash: 'scrypt$2$1$1$AA==$AA=='}
            - {name: ann, role: viewer, password_hash: 'scrypt$2$1$1$AA==$AA=='}
        """) == [
        "venue.yaml:4:10: duplicate device id 'screen1' (first on line 3)",
        "venue.yaml:5:40: duplicate screen index 1 (first on line 3)",
        "venue.yaml:6:52: unknown profile 'OLA': did you mean 'ola'?",
        "venue.yaml:8:3: group name 'all' is already every screen",
        "venue.yaml:9:20: the venue has no device 'screen7': did you mean 'screen3'?",
        "venue.yaml:13:14: duplicate user 'ann' (first on line 12)",
    ]


def test_schedule_shape_errors(tmp_path):
    assert errors(tmp_path, show=SHOW, schedule="""\
        shows:
          - show: normandy
            days: [mon, monday]
            times: ["9:00", "10:30"]
            from_date: 2026-02-30
          - show: normandy
            every: {from: "18:00", until: "10:00", interval: 30}
          - show: normandy
        closed: [2026-12-25, christmas]
        policy: {if_busy: wait}
        """) == [
        "schedule.yaml:3:17: days: 'monday' is not one of: 'mon', 'tue', 'wed', 'thu', 'fri', "
        "'sat' or 'sun'",
        "schedule.yaml:4:13: times: '9:00' is not a time of day: write HH:MM, e.g. \"10:30\"",
        "schedule.yaml:5:16: from_date: 2026-02-30 is not a day of the calendar (February has "
        "28 days in 2026)",
        "schedule.yaml:7:12: every: `until` is before `from`",
        "schedule.yaml:8:5: show 'normandy' has neither `times` nor `every`",
        "schedule.yaml:9:22: closed: 'christmas' is not a date: write YYYY-MM-DD, e.g. "
        "2026-12-25",
        "schedule.yaml:10:19: if_busy: 'wait' is not one of: 'skip' or 'queue'",
    ]


def test_schedule_naming_a_missing_show_and_closed_special_days(tmp_path):
    assert errors(tmp_path, show=SHOW, schedule="""\
        shows:
          - {show: normandi, times: ["10:00", "10:00"]}
        closed: [2026-12-25]
        special:
          - date: 2026-12-25
            shows: [{show: ghost, times: ["10:00"]}]
          - date: 2026-12-24
          - date: 2026-12-24
        """) == [
        "schedule.yaml:2:12: no show 'normandi': did you mean 'normandy'?",
        "schedule.yaml:2:39: 10:00 is listed twice",
        "schedule.yaml:5:11: 2026-12-25 is also closed (line 3): keep one of the two",
        "schedule.yaml:6:20: no show 'ghost' (shows: normandy)",
        "schedule.yaml:8:11: 2026-12-24 is already a special day (line 7)",
    ]


def test_entries_that_would_start_at_the_same_time(tmp_path):
    assert errors(tmp_path, show=SHOW, schedule="""\
        shows:
          - show: normandy
            every: {from: "10:00", until: "17:30", interval: 30m}
            until_date: 2026-08-31
          - show: normandy        # summer evenings: no clash
            times: ["18:00", "18:30"]
            from_date: 2026-07-01
          - show: normandy        # a second window overlapping the first in August
            days: [sat, sun]
            times: ["11:00", "16:30", "19:00"]
            from_date: 2026-08-01
          - show: normandy        # weekdays of one week-end only: never a Monday
            days: [mon]
            times: ["10:00"]
            from_date: 2026-08-29
            until_date: 2026-08-30
        """) == [
        "schedule.yaml:8:5: normandy would start at 11:00, 16:30 on sat, sun while the entry "
        "on line 2 starts normandy then: one show at a time",
    ]


def test_special_day_entries_that_collide(tmp_path):
    assert errors(tmp_path, show=SHOW, schedule="""\
        special:
          - date: 2026-12-24
            shows:
              - {show: normandy, times: ["10:00", "11:00"]}
              - {show: normandy, every: {from: "11:00", until: "12:00", interval: 1h}}
        """) == [
        "schedule.yaml:5:9: normandy would start at 11:00 on that day while the entry on "
        "line 4 starts normandy then: one show at a time",
    ]


def test_a_fixed_time_that_every_already_gives(tmp_path):
    assert errors(tmp_path, show=SHOW, schedule="""\
        shows:
          - show: normandy
            times: ["09:00", "11:00", "11:15"]
            every: {from: "10:00", until: "12:00", interval: 30m}
        """) == ["schedule.yaml:3:22: 11:00 is already a start of `every`"]


def test_a_venue_problem_is_reported_once_at_the_venue_not_in_every_show(tmp_path):
    venue = """\
        venue: room
        devices:
          - {id: screen1, kind: screen, index: 1, port: 9101}
          - {id: screen2, kind: screen, index: 1, port: 9102}
          - {id: screen3, kind: screen, index: 3, port: 9103}
        groups:
          right: [screen3, screen10]
        """
    show = """\
        id: s
        cues:
          - {id: "1", at: 0, screens: [2, 3], black: {}}
          - {id: "2", at: 1, screens: right, black: {}}
          - {id: "3", at: 2, screens: [right], black: {}}
        """
    assert errors(tmp_path, venue=venue, show=show) == [
        "venue.yaml:4:40: duplicate screen index 1 (first on line 3)",
        "venue.yaml:7:20: the venue has no device 'screen10': did you mean 'screen1'?",
    ]


def test_a_missing_screen_number_lists_the_numbers_there_are(tmp_path):
    venue = """\
        venue: room
        devices:
          - {id: screen1, kind: screen, index: 1, port: 9101}
          - {id: screen2, kind: screen, index: 12, port: 9102}
          - {id: screen3, kind: screen, index: 3, port: 9103}
          - {id: screen4, kind: screen, index: 4, port: 9104}
        """
    show = 'id: s\ncues: [{id: "1", at: 0, screens: [2], black: {}}]\n'
    assert errors(tmp_path, venue=venue, show=show) == [
        "show.yaml:2:35: screen 2 does not exist (screens: 1, 3-4, 12)",
    ]


def test_plain_words_for_dates_networks_empty_text_and_single_values(tmp_path):
    assert errors(tmp_path, show=SHOW, schedule="""\
        closed: [2027-02-29, 2026-13-01, 2028-02-29]
        special:
          - {date: 2026-04-31}
        """) == [
        "schedule.yaml:1:10: closed: 2027-02-29 is not a day of the calendar (February has "
        "28 days in 2027)",
        "schedule.yaml:1:22: closed: 2026-13-01 is not a day of the calendar (months are 01 "
        "to 12)",
        "schedule.yaml:3:12: date: 2026-04-31 is not a day of the calendar (April has 30 days "
        "in 2026)",
    ]
    assert errors(tmp_path, show=SHOW, schedule="myhost\n") == [
        "schedule.yaml:1:1: the file is a single value: expected keys such as shows, closed, "
        "special, policy, power",
    ]
    found = errors(tmp_path, venue="""\
        venue: room
        osc: {allow: [10.0.0.1/8, "::1"]}
        web: {users: [{name: "", role: admin, password_hash: 'scrypt$2$1$1$AA==$AA=='}]}
        """)
    assert found == [
        "venue.yaml:2:15: allow: '10.0.0.1/8' has bits set after the /8: write 10.0.0.0/8",
        "venue.yaml:3:22: name: must not be empty",
    ]


def test_a_schedule_with_shape_errors_still_gets_its_other_checks(tmp_path):
    assert errors(tmp_path, show=SHOW, schedule="""\
        shows:
          - {show: normandy, times: ["10:00", "10:00"], colour: red}
          - {show: normandy, times: ["11:00", "11:00"]}
          - {show: normandy, times: ["11:00"], days: [mon]}
        closed: [2026-12-25, 2026-12-25, xmas]
        special:
          - {date: 2026-12-25, shows: []}
        policy: {if_busy: wait}
        """) == [
        "schedule.yaml:2:39: 10:00 is listed twice",
        "schedule.yaml:2:49: unknown key `colour` (expected one of: days, every, from_date, "
        "show, times, until_date)",
        "schedule.yaml:3:39: 11:00 is listed twice",
        "schedule.yaml:4:5: normandy would start at 11:00 on mon while the entry on line 3 "
        "starts normandy then: one show at a time",
        "schedule.yaml:5:22: 2026-12-25 is listed twice",
        "schedule.yaml:5:34: closed: 'xmas' is not a date: write YYYY-MM-DD, e.g. 2026-12-25",
        "schedule.yaml:7:12: 2026-12-25 is also closed (line 5): keep one of the two",
        "schedule.yaml:8:19: if_busy: 'wait' is not one of: 'skip' or 'queue'",
    ]


def test_a_venue_with_shape_errors_still_gets_its_other_checks(tmp_path):
    assert errors(tmp_path, venue="""\
        venue: room
        web: {listen: nowhere}
        devices:
          - {id: screen1, kind: screen, index: 1, port: 9101, colour: red}
          - {id: screen2, kind: screen, index: 1, port: 9102, profile: showctll}
        groups:
          front: [screen1, screen7]
        """) == [
        "venue.yaml:2:15: listen: 'nowhere' is not host:port, e.g. 127.0.0.1:8080",
        "venue.yaml:4:55: unknown key `colour` (expected one of: "
        f"{', '.join(sorted(Device.model_fields))})",
        "venue.yaml:5:40: duplicate screen index 1 (first on line 4)",
        "venue.yaml:5:64: unknown profile 'showctll': did you mean 'showctl'?",
        "venue.yaml:7:20: the venue has no device 'screen7': did you mean 'screen2'?",
    ]


def test_an_entry_with_a_bad_time_or_date_still_gets_its_other_checks(tmp_path):
    # a bad date (or window) is checked as if the entry had none: it may collide
    assert errors(tmp_path, show=SHOW, schedule="""\
        shows:
          - {show: normandy, times: ["9:00", "10:00", "10:00", "24:00"]}
          - {show: normandy, times: ["12:00"]}
          - {show: normandy, times: ["12:00", "7"], from_date: 2026-02-30}
          - {show: normandy, times: ["12:00"], from_date: 2026-05-01, until_date: 2026-04-01}
        """) == [
        "schedule.yaml:2:30: times: '9:00' is not a time of day: write HH:MM, e.g. \"10:30\"",
        "schedule.yaml:2:47: 10:00 is listed twice",
        "schedule.yaml:2:56: times: '24:00' is not a time of day (00:00 to 23:59)",
        "schedule.yaml:4:5: normandy would start at 12:00 on mon, tue, wed, thu, fri, sat, sun "
        "while the entry on line 3 starts normandy then: one show at a time",
        "schedule.yaml:4:39: times: '7' is not a time of day: write HH:MM, e.g. \"10:30\"",
        "schedule.yaml:4:56: from_date: 2026-02-30 is not a day of the calendar "
        "(February has 28 days in 2026)",
        "schedule.yaml:5:5: `until_date` is before `from_date`",
        "schedule.yaml:5:5: normandy would start at 12:00 on mon, tue, wed, thu, fri, sat, sun "
        "while the entry on line 3 starts normandy then: one show at a time",
        "schedule.yaml:5:5: normandy would start at 12:00 on mon, tue, wed, thu, fri, sat, sun "
        "while the entry on line 4 starts normandy then: one show at a time",
    ]


def test_a_misspelt_devices_key_is_one_error_not_one_per_group_member(tmp_path):
    assert errors(tmp_path, venue="""\
        venue: room
        devics:
          - {id: screen1, kind: screen, index: 1, port: 9101}
        groups:
          front: [screen1, screen2]
        """) == [
        "venue.yaml:2:1: unknown key `devics`: did you mean `devices`?",
    ]
