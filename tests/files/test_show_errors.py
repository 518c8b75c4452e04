"""Every kind of show-file error, each at the line and column of its node."""

from .helpers import errors


def test_unknown_keys_point_at_the_key_with_a_suggestion(tmp_path):
    assert errors(tmp_path, show="""\
        id: s
        cues:
          - id: "1"
            at: 0
            screen: all
            play: {media: a.mp4, form: 3}
          - id: "2"
            at: 1
            colour: red
        """) == [
        "show.yaml:5:5: unknown key `screen`: did you mean `screens`?",
        "show.yaml:6:26: unknown key `form`: did you mean `from`?",
        "show.yaml:9:5: unknown key `colour` (expected one of: at, black, hold, id, levels, "
        "lights, name, notes, osc, pattern, pause, play, screens, sound, stop, volume)",
    ]


def test_wrong_types_point_at_the_value(tmp_path):
    assert errors(tmp_path, show="""\
        id: s
        preroll: [1]
        cues:
          - id: "1"
            at: 0
            screens: {a: 1}
            black: 3
            hold: maybe
        """) == [
        "show.yaml:2:10: preroll: [1] is not a time: write seconds (83.5), M:SS(.fff) or "
        "H:MM:SS(.fff)",
        "show.yaml:6:14: screens: expected `all`, a group, a screen number or a list of them, "
        "got a mapping",
        "show.yaml:7:12: black: expected a mapping (key: value lines), got 3",
        "show.yaml:8:11: hold: expected true or false, got 'maybe'",
    ]


def test_bad_time_strings(tmp_path):
    assert errors(tmp_path, show="""\
        id: s
        cues:
          - {id: "1", at: "1:60"}
          - {id: "2", at: "1:2:3"}
          - {id: "3", at: -4}
          - {id: "4", at: "1:23.4567"}
          - {id: "5", at: soon}
          - {id: "6", at: }
          - {id: "7", at: true}
          - {id: "8", at: 99999999999999999999999}
          - {id: "9", at: "1:5"}
        """) == [
        "show.yaml:3:19: at: '1:60': seconds must be below 60",
        "show.yaml:4:19: at: '1:2:3' is not a time: seconds need two digits (03)",
        "show.yaml:5:19: at: time -4 is negative",
        "show.yaml:6:19: at: '1:23.4567' has more than 3 decimals: times are to the "
        "millisecond (.457)",
        "show.yaml:7:19: at: 'soon' is not a time: write seconds (83.5), M:SS(.fff) or "
        "H:MM:SS(.fff)",
        "show.yaml:8:19: at: a time is needed: write seconds (83.5), M:SS(.fff) or "
        "H:MM:SS(.fff)",
        "show.yaml:9:19: at: true is not a time: write seconds (83.5), M:SS(.fff) or "
        "H:MM:SS(.fff)",
        "show.yaml:10:19: at: time 99999999999999999999999 is more than 24 hours",
        "show.yaml:11:19: at: '1:5' is not a time: seconds need two digits (05)",
    ]


def test_an_action_missing_its_required_field_points_at_the_action(tmp_path):
    assert errors(tmp_path, show="""\
        id: s
        cues:
          - id: "1"
            at: 0
            screens: all
            play: {from: 2}
            lights:
              fade: 2
        """) == [
        "show.yaml:6:11: play: missing `media`",
        "show.yaml:8:7: lights: missing `cue`",
    ]


def test_a_cue_without_id_and_screen_actions_without_screens(tmp_path):
    assert errors(tmp_path, show="""\
        id: s
        cues:
          - at: 0
          - id: "2"
            at: 1
            play: {media: a.mp4}
        """) == [
        "show.yaml:3:5: missing `id`",
        "show.yaml:4:5: cue '2': play needs `screens:`",
    ]


def test_duplicate_cue_ids_and_time_going_backwards(tmp_path):
    assert errors(tmp_path, show="""\
        id: s
        cues:
          - {id: "1", at: 0}
          - {id: "2", at: "1:00"}
          - {id: "1", at: "0:30"}
        """) == [
        "show.yaml:5:10: duplicate cue id '1' (first on line 3)",
        "show.yaml:5:19: at 0:30.000 is before cue '2' at 1:00.000 (line 4): "
        "cues must be in time order",
    ]


def test_screens_the_venue_lacks(tmp_path):
    assert errors(tmp_path, show="""\
        id: s
        cues:
          - id: "1"
            at: 0
            screens: [1, 12, fronts, lights]
            play: {media: "a_{screen}.mp4"}
          - id: "2"
            at: 1
            screens: back
            black: {fade: 1}
        """) == [
        "show.yaml:5:18: screen 12 does not exist (screens: 1-9)",
        "show.yaml:5:22: 'fronts' is not a screen, a group or `all`: did you mean 'front'?",
        "show.yaml:5:30: 'lights' is a lighting device, not a screen",
        "show.yaml:9:14: 'back' is not a screen, a group or `all`",
    ]


def test_devices_the_venue_lacks_or_of_the_wrong_kind(tmp_path):
    assert errors(tmp_path, show="""\
        id: s
        cues:
          - id: "1"
            at: 0
            lights: {cue: x, device: screen1}
            levels: {channels: {1: 255}, device: lightz}
            osc: {device: nope, address: /x}
          - id: "2"
            at: 1
            osc:
              - {device: screen1, address: /ok, args: [1, "a"]}
              - {device: screen10, address: /x}
        """) == [
        "show.yaml:5:30: 'screen1' is not a lighting device of the venue (lighting: lights)",
        "show.yaml:6:42: 'lightz' is not a lighting device of the venue: did you mean 'lights'?",
        "show.yaml:7:19: the venue has no device 'nope'",
        "show.yaml:12:18: the venue has no device 'screen10': did you mean 'screen1'?",
    ]


def test_dmx_and_osc_values(tmp_path):
    assert errors(tmp_path, show="""\
        id: s
        cues:
          - id: "1"
            at: 0
            levels: {channels: {1: 300, 600: 5}}
          - id: "2"
            at: 1
            levels: {channels: {x: 3}}
            osc: {device: lights, address: "go"}
        """) == [
        "show.yaml:5:28: channels: must be at most 255, got 300",
        "show.yaml:5:33: key 600: must be at most 512",
        "show.yaml:8:25: key 'x': expected a whole number",
        "show.yaml:9:36: address: 'go' must start with /",
    ]


def test_empty_file_and_a_list_at_the_top(tmp_path):
    assert errors(tmp_path, show="") == [
        "show.yaml:1:1: the file is empty: expected keys such as id, cues"
    ]
    assert errors(tmp_path, show="- id: s\n") == [
        "show.yaml:1:1: the file is a list: expected keys such as id, cues"
    ]


def test_errors_in_several_files_are_all_reported(tmp_path):
    found = errors(
        tmp_path,
        show="id: s\ncues: []\n",
        schedule="shows:\n  - show: nope\n    times: ['25:00']\n",
    )
    assert found == [
        "schedule.yaml:2:11: no show 'nope' (shows: s)",
        "schedule.yaml:3:13: times: '25:00' is not a time of day (00:00 to 23:59)",
        "show.yaml:2:7: cues: needs at least one entry",
    ]


def test_lighting_actions_need_a_device_whose_profile_carries_them(tmp_path):
    show = """\
        id: s
        cues:
          - id: "1"
            at: 0
            levels: {channels: {1: 255}}
          - id: "2"
            at: 1
            levels: {channels: {1: 0}, device: lights}
            lights: {cue: house-up}
        """
    assert errors(tmp_path, show=show) == [
        "show.yaml:5:5: levels: no lighting device of the venue takes DMX levels (see its "
        "`profile`)",
        "show.yaml:8:40: 'lights' (profile showctl) does not take DMX levels",
    ]
    dimmers = {"id": "dimmers", "kind": "lighting", "port": 7770, "profile": "ola"}
    assert errors(tmp_path, show=show.replace("device: lights", "device: dimmers"),
                  devices=[dimmers]) == []
    assert errors(tmp_path, show=show.replace("lights: {cue: house-up}",
                                              "lights: {cue: house-up, device: dimmers}"),
                  devices=[dimmers]) == [
        "show.yaml:8:40: 'lights' (profile showctl) does not take DMX levels",
        "show.yaml:9:37: 'dimmers' (profile ola) does not take console cues",
    ]


def test_shape_and_cross_file_errors_come_in_one_pass(tmp_path):
    assert errors(tmp_path, show="""\
        id: s
        cues:
          - {id: "1", at: 5, screens: [12], black: {}}
          - {id: "2", at: 1:70}
          - {id: "1", at: 4}
        """) == [
        "show.yaml:3:32: screen 12 does not exist (screens: 1-9)",
        "show.yaml:4:19: at: '1:70': seconds must be below 60",
        "show.yaml:5:10: duplicate cue id '1' (first on line 3)",
        "show.yaml:5:19: at 0:04.000 is before cue '1' at 0:05.000 (line 3): "
        "cues must be in time order",
    ]


def test_a_cue_with_a_bad_field_is_still_checked_for_the_rest(tmp_path):
    # one pass shows every error: the bad `at` and `form` do not hide the missing
    # screen, the duplicate id or the cue out of order after it
    assert errors(tmp_path, show="""\
        id: s
        cues:
          - id: "1"
            at: 0
            screens: [1, 2, 12]
            play: {media: a.mp4, form: 3}
          - id: "1"
            at: "1:60"
            screens: all
            black: {}
          - id: "3"
            at: 30
            screens: backk
            black: {}
          - id: "4"
            at: 10
            screens: all
            black: {}
        """) == [
        "show.yaml:5:21: screen 12 does not exist (screens: 1-9)",
        "show.yaml:6:26: unknown key `form`: did you mean `from`?",
        "show.yaml:7:9: duplicate cue id '1' (first on line 3)",
        "show.yaml:8:9: at: '1:60': seconds must be below 60",
        "show.yaml:13:14: 'backk' is not a screen, a group or `all`",
        "show.yaml:16:9: at 0:10.000 is before cue '3' at 0:30.000 (line 11): "
        "cues must be in time order",
    ]


def test_a_duration_before_the_last_cue_is_refused_at_the_duration(tmp_path):
    assert errors(tmp_path, show="""\
        id: s
        duration: "0:01"
        cues:
          - {id: "1", at: 0, hold: true}
          - {id: "2", at: 5, hold: true}
        """) == [
        "show.yaml:2:11: duration 0:01.000 ends before cue '2' at 0:05.000 (line 5): "
        "that cue would never run",
    ]
    assert errors(tmp_path, show="""\
        id: s
        duration: 5
        cues:
          - {id: "1", at: 5, hold: true}
        """) == []


def test_unknown_media_placeholders_are_refused_at_the_media(tmp_path):
    assert errors(tmp_path, show="""\
        id: s
        cues:
          - {id: "1", at: 0, screens: all, play: {media: "a_{scren}.mp4"}}
          - {id: "2", at: 1, screens: all, play: {media: "b_{screen:02d}.mp4"}}
          - {id: "3", at: 2, screens: all, play: {media: "c_{name}.mp4"}}
          - {id: "4", at: 3, screens: all, play: {media: "d_{screen}.mp4"}}
        """) == [
        "show.yaml:3:50: media: unknown placeholder {scren}: did you mean {screen}?",
        "show.yaml:4:50: media: unknown placeholder {screen:02d}: write {screen}, which "
        "becomes the plain number (1, 2 ... 9)",
        "show.yaml:5:50: media: unknown placeholder {name} (only {screen})",
    ]


def test_a_media_name_with_an_unpaired_brace_is_refused(tmp_path):
    assert errors(tmp_path, show="""\
        id: s
        cues:
          - {id: "1", at: 0, screens: all, play: {media: "a_{screen.mp4"}}
          - {id: "2", at: 1, screens: all, play: {media: "b_{screen}}.mp4"}}
          - {id: "3", at: 2, screens: all, play: {media: "c_{screen}.mp4"}}
        """) == [
        "show.yaml:3:50: media: `{` is never closed (a placeholder is written {screen})",
        "show.yaml:4:50: media: `}` closes nothing (a placeholder is written {screen})",
    ]


def test_booleans_are_true_or_false_and_a_boolean_is_not_a_screen(tmp_path):
    assert errors(tmp_path, show="""\
        id: s
        cues:
          - {id: "1", at: 0, hold: yes}
          - {id: "2", at: 1, screens: all, pause: on}
          - {id: "3", at: 2, hold: "true"}
          - {id: "4", at: 3, hold: 1}
          - {id: "5", at: 4, screens: [true, 2], black: {}}
          - {id: "6", at: 5, screens: true, black: {}}
          - {id: "7", at: 6, hold: true, screens: [1], pause: false, black: {}}
        """) == [
        "show.yaml:3:28: hold: expected true or false, got 'yes'",
        "show.yaml:4:43: pause: expected true or false, got 'on'",
        "show.yaml:5:28: hold: expected true or false, got the text \"true\" (in quotes): "
        "write true without quotes",
        "show.yaml:6:28: hold: expected true or false, got 1",
        "show.yaml:7:32: screens: expected a screen number, a screen id or a group, got true",
        "show.yaml:8:31: screens: expected `all`, a group, a screen number or a list of "
        "them, got true",
    ]


def test_a_boolean_is_not_a_screen_index(tmp_path):
    assert "config/venue.yaml" not in str(errors(tmp_path, devices=[
        {"id": "screen10", "kind": "screen", "index": True, "port": 9120}]))
    assert errors(tmp_path, devices=[
        {"id": "screen10", "kind": "screen", "index": True, "port": 9120}])[0].endswith(
        "index: expected a whole number, got true")


def test_a_short_duration_is_reported_in_a_show_with_other_errors(tmp_path):
    assert errors(tmp_path, show="""\
        id: s
        duration: 1
        cues:
          - {id: "1", at: 5, hold: yes}
          - {id: "2", at: soon, hold: true}
        """) == [
        "show.yaml:2:11: duration 0:01.000 ends before cue '1' at 0:05.000 (line 4): "
        "that cue would never run",
        "show.yaml:4:28: hold: expected true or false, got 'yes'",
        "show.yaml:5:19: at: 'soon' is not a time: write seconds (83.5), M:SS(.fff) or "
        "H:MM:SS(.fff)",
    ]


def test_several_problems_at_the_top_of_the_file_are_all_reported(tmp_path):
    assert sorted(errors(tmp_path, show="""\
        cuess:
          - id: "1"
            at: 0
            hold: yes
        """)) == [
        "show.yaml:1:1: missing `cues`",
        "show.yaml:1:1: missing `id`",
        "show.yaml:1:1: unknown key `cuess`: did you mean `cues`?",
    ]
