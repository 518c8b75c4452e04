from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.osc.rig import Rig, close_rig, open_rig


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    rig = await open_rig(tmp_path)
    yield rig
    await close_rig(rig)
