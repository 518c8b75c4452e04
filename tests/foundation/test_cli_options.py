import pytest

from showctl.cli import main
from tests.support import write_config


@pytest.mark.parametrize("before", [True, False])
def test_config_is_taken_before_or_after_the_command(tmp_path, capsys, before):
    venue = str(write_config(tmp_path))
    argv = ["--config", venue, "validate"] if before else ["validate", "--config", venue]
    assert main(argv) == 0
    assert "valid" in capsys.readouterr().out


def test_a_missing_venue_file_is_one_line_and_exit_1(tmp_path, capsys):
    missing = str(tmp_path / "nowhere.yaml")
    assert main(["--config", missing, "cues", "small"]) == 1
    err = capsys.readouterr().err
    assert "nowhere.yaml" in err and "Traceback" not in err and len(err.splitlines()) == 1
