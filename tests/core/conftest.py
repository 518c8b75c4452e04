import pytest

from tests.core.room import open_room


@pytest.fixture
async def room(tmp_path):
    room = await open_room(tmp_path)
    yield room
    await room.close()
