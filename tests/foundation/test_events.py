import logging

from showctl.core.events import EventBus


def test_every_listener_gets_every_event_in_order():
    bus = EventBus()
    a: list[str] = []
    b: list[str] = []
    bus.subscribe(lambda e: a.append(e.kind))
    bus.subscribe(lambda e: b.append(e.kind))
    bus.publish("state", state="running")
    bus.publish("cue", cue="1")
    assert a == b == ["state", "cue"]


def test_a_failing_listener_is_logged_and_does_not_silence_the_others(caplog):
    bus = EventBus()
    got: list[dict] = []

    def broken(event):
        raise RuntimeError("boom")

    bus.subscribe(broken)
    bus.subscribe(lambda e: got.append(e.data))
    with caplog.at_level(logging.ERROR):
        bus.publish("state", state="idle")
    assert got == [{"state": "idle"}]
    assert "boom" in caplog.text


def test_unsubscribe_stops_delivery():
    bus = EventBus()
    got: list[str] = []
    unsubscribe = bus.subscribe(lambda e: got.append(e.kind))
    bus.publish("state")
    unsubscribe()
    unsubscribe()  # twice is harmless
    bus.publish("state")
    assert got == ["state"]
    assert bus.publish("log", wall=12.5, level="info").as_json()["wall"] == 12.5


def test_held_events_go_out_in_order_once_the_outermost_block_ends():
    bus = EventBus()
    got: list[str] = []
    bus.subscribe(lambda e: got.append(e.kind))
    with bus.held():
        bus.publish("state")
        with bus.held():
            bus.publish("cue")
        assert got == []
    assert got == ["state", "cue"]


def test_an_event_published_by_a_listener_waits_for_the_current_one():
    bus = EventBus()
    got: list[tuple[str, str]] = []

    def first(event):
        got.append(("first", event.kind))
        if event.kind == "state":
            bus.publish("log")
        assert bus.delivering

    bus.subscribe(first)
    bus.subscribe(lambda e: got.append(("second", e.kind)))
    bus.publish("state")
    assert got == [("first", "state"), ("second", "state"), ("first", "log"),
                   ("second", "log")]
    assert not bus.delivering
