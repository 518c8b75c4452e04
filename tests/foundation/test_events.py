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
