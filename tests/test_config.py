"""cloudcarbon.toml parsing and validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudcarbon.config import Config, ConfigError, ProjectRule, UtilisationOverride, load_config


def test_defaults_without_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config() == Config()


def test_full_file(tmp_path: Path) -> None:
    f = tmp_path / "cloudcarbon.toml"
    f.write_text(
        """
[projects]
rules = [
  { tag = "user:project" },
  { tag = "user:team", value = "ml", project = "ml-platform" },
  { account = "012345678901", project = "shared" },
]
unmatched = "account"

[utilisation]
cpu = 0.4
overrides = [{ instance_family = "p4d", accelerator = 0.9 }, { tag = "user:env", value = "dev", cpu = 0.1 }]

[grid]
datasets = ["ember"]

[engine]
memory_limit = "2GB"
threads = 1
""",
        encoding="utf-8",
    )
    c = load_config(f)
    assert c.project_rules[0] == ProjectRule(tag="user:project")
    assert c.project_rules[2] == ProjectRule(account="012345678901", project="shared")
    assert c.unmatched == "account" and c.cpu_utilisation == 0.4
    assert c.utilisation_overrides[0] == UtilisationOverride(instance_family="p4d", accelerator=0.9)
    assert c.tag_keys() == ("user:project", "user:team", "user:env")
    assert c.grid_datasets == ("ember",) and c.engine.memory_limit == "2GB"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "[projects]\nrules = [{ tag = 'a', account = '1', project = 'p' }]",
            "exactly one of 'tag' or 'account'",
        ),
        ("[projects]\nrules = [{ account = '1' }]", "needs 'project'"),
        ("[utilisation]\ncpu = 1.5", "between 0 and 1"),
        ("[utilisation]\noverrides = [{ project = 'x' }]", "sets neither"),
        ("[grid]\ndatasets = ['made-up']", "[grid] datasets[1] must be one of electricitymaps, ember, "),
        ("[colour]\nx = 1", "unknown key 'colour' at the top level; known: $schema, ai, allocation, engine"),
        ("not toml = = =", "not valid TOML"),
    ],
)
def test_invalid(tmp_path: Path, text: str, fragment: str) -> None:
    f = tmp_path / "c.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(f)
    assert fragment in str(exc.value) and str(f) in str(exc.value)


def test_missing_named_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.toml")
