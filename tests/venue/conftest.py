"""One venue room for every test under tests/venue (making one costs about a second);
a test that changes it (a link down, a hosts file) puts it back before it ends."""

from tests.venue.room import room_fixture

room = room_fixture("session")
