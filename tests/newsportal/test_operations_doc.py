"""docs/operations.md stays the complete list of the environment the settings read."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_environment_variable_the_settings_read_is_documented():
    settings_source = (ROOT / "newsportal/settings.py").read_text()
    read = set(re.findall(r"env_(?:str|int|bool|list|float)\(\s*\"([A-Z][A-Z0-9_]+)\"", settings_source))
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (ROOT / "docs/operations.md").read_text()))

    assert len(read) > 30
    assert read <= documented, f"add to docs/operations.md: {sorted(read - documented)}"


def test_every_variable_of_env_example_is_documented():
    example = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (ROOT / "docs/operations.md").read_text()))

    assert example <= documented, sorted(example - documented)
