"""Small shows for the engine's tests (one behaviour each, times easy to check)."""

HOLD_SHOW = {
    "id": "holdy",
    "title": "Hold test",
    "preroll": 1.0,
    "cues": [
        {"id": "1", "at": 0, "name": "Sky", "screens": "all", "play": {"media": "a_{screen}.mp4"}},
        {"id": "2", "at": 10, "name": "Hold here", "hold": True},
        {"id": "3", "at": 12, "name": "Front", "screens": [1, 2],
         "play": {"media": "b_{screen}.mp4", "from": 5}},
        {"id": "4", "at": 20, "name": "End", "screens": "all", "black": {"fade": 2},
         "lights": {"cue": "house-up", "fade": 2}},
    ],
}

SEEK_SHOW = {
    "id": "seeky",
    "preroll": 0.5,
    "cues": [
        {"id": "1", "at": 0, "name": "Look", "lights": {"cue": "look-a", "fade": 1}},
        {"id": "2", "at": 2, "name": "All", "screens": "all",
         "play": {"media": "all_{screen}.mp4"}},
        {"id": "3", "at": 30, "name": "Two", "screens": [1, 2],
         "play": {"media": "two_{screen}.mp4", "from": 100}},
        {"id": "4", "at": 40, "name": "Freeze", "screens": [3], "pause": True},
        {"id": "5", "at": 50, "name": "Dark five", "screens": [5], "black": {"fade": 1},
         "lights": {"cue": "look-b", "fade": 2}},
        {"id": "6", "at": 60, "name": "End", "screens": "all", "black": {"fade": 0}},
    ],
}
