"""cloudcarbon.toml through the pydantic models: errors, the CLOUDCARBON_* environment, the JSON Schema.

The schema is read back with the tool an editor or CI job would use: the ``jsonschema`` package's Draft
2020-12 validator. Every expected message below is written out by hand from the file it is about.
"""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import get_args

import jsonschema
import pytest
from typer.testing import CliRunner

from cloudcarbon._demo import DEMO_CONFIG
from cloudcarbon.cli import app
from cloudcarbon.config import DEFAULT_GRID_DATASETS, STAGES, Config, EngineOptions, load_config
from cloudcarbon.config_model import (
    ENV_VARIABLES,
    Dataset,
    Stage,
    config_json_schema,
    environment_overrides,
    schema_text,
)
from cloudcarbon.exceptions import ConfigError
from tests.test_errors import run_cli

README = Path(__file__).resolve().parents[1] / "README.md"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_cloudcarbon_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own CLOUDCARBON_<SECTION>__<KEY> variables must not leak into these tests."""
    import os

    for name in list(os.environ):
        if name.upper().startswith("CLOUDCARBON_") and "__" in name:
            monkeypatch.delenv(name)


def _toml(tmp_path: Path, text: str, name: str = "cloudcarbon.toml") -> Path:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((resources.files("cloudcarbon") / "config.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _readme_config() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Configuration (`cloudcarbon.toml`)") :]
    match = re.search(r"```toml\n(.*?)```", section, re.S)
    assert match is not None
    return match.group(1)


# --- the JSON Schema --------------------------------------------------------------------------------


def test_shipped_schema_is_the_generated_one() -> None:
    shipped = (resources.files("cloudcarbon") / "config.schema.json").read_text(encoding="utf-8")
    assert shipped == schema_text(), (
        "regenerate: python -m cloudcarbon config schema > cloudcarbon/config.schema.json"
    )
    schema = json.loads(shipped)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert (
        schema["$id"]
        and schema["title"] == "cloudcarbon.toml"
        and "unknown keys are errors" in schema["description"]
    )
    assert schema == config_json_schema()


def test_literals_are_the_documented_constants() -> None:
    # the schema's enums come from these literals; they must name the same datasets and stages
    assert get_args(Dataset) == DEFAULT_GRID_DATASETS and get_args(Stage) == STAGES


@pytest.mark.parametrize("name", ["README example", "demo configuration"])
def test_readme_and_demo_configs_pass_the_schema_and_the_models(name: str, tmp_path: Path) -> None:
    text = _readme_config() if name == "README example" else DEMO_CONFIG
    data = tomllib.loads(text)
    assert list(_validator().iter_errors(data)) == []
    cfg = load_config(_toml(tmp_path, text))
    assert cfg.ai.functional_unit == "inference request" and cfg.ai.run_tags == ("user:run", "run")


def test_readme_example_values(tmp_path: Path) -> None:
    cfg = load_config(_toml(tmp_path, _readme_config()))
    assert cfg.engine == EngineOptions(memory_limit="600MB", threads=2)
    assert cfg.organisation == "Acme Ltd" and cfg.ledger_path == "books/ledger.sqlite"
    assert cfg.sources == {"azure": {"project": "subscription", "cost": "actual"}}
    assert cfg.ai.requests == str(tmp_path / "requests.csv")  # relative to the file's folder


# one mistake each; both the models and the published schema must refuse every one
MISTAKES = [
    ("[utilisaton]\ncpu = 0.5\n", "unknown key 'utilisaton' at the top level; did you mean 'utilisation'?"),
    (
        "[projects]\nrules = [{ tag = 'a' }, { tagg = 'user:team' }]\n",
        "unknown key 'tagg' in [projects] rules[2]; did you mean 'tag'?",
    ),
    ("[engine]\nthreds = 2\n", "unknown key 'threds' in [engine]; did you mean 'threads'?"),
    ("[engine]\nthreads = 0\n", "[engine] threads must be at least 1, got 0"),
    ("[engine]\nthreads = '2'\n", "[engine] threads must be a whole number, got '2'"),
    (
        "[engine]\nmemory_limit = 'lots'\n",
        '[engine] memory_limit \'lots\' is not a size; write it like "600MB", "2GB" or "1.5GiB"',
    ),
    (
        "[grid]\ndatasets = ['ember', 'embr']\n",
        "[grid] datasets[2] must be one of electricitymaps, ember, ccf-appendix-v, google-region-carbon, "
        "egrid, got 'embr'; did you mean 'ember'?",
    ),
    (
        "[grid]\nboundary = 'upstream'\n",
        "[grid] boundary must be one of operational, lifecycle, got 'upstream'",
    ),
    ("[grid]\ndatasets = []\n", "[grid] datasets must not be an empty list"),
    (
        "[utilisation]\naccelerator = 1.2\n",
        "[utilisation] accelerator must be a number between 0 and 1, got 1.2",
    ),
    ("[utilisation]\ncpu = true\n", "[utilisation] cpu must be a number, got True"),
    ("[estimate]\nstrict = 'yes'\n", "[estimate] strict must be true or false, got 'yes'"),
    (
        "[projects]\nunmatched = 'acount'\n",
        "[projects] unmatched must be one of unallocated, account, got 'acount'; did you mean 'account'?",
    ),
    (
        "[projects]\nrules = [{ account = '1' }]\n",
        "[projects] rules[1] maps an account, so it needs 'project'",
    ),
    (
        "[utilisation]\noverrides = [{ project = 'x', tag = 'env', value = 'dev', cpu = 0.2 }]\n",
        "[utilisation] overrides[1] needs exactly one of project, instance_family, tag, stage",
    ),
    ("[ledger]\npath = ''\n", "[ledger] path must not be empty"),
    ("[sources]\nazure = 'actual'\n", "[sources.azure] must be a table, got 'actual'"),
    ("projects = 3\n", "[projects] must be a table, got 3"),
    ('"$schema" = 1\n', "$schema must be text in quotes, got 1"),
]


@pytest.mark.parametrize(("text", "message"), MISTAKES)
def test_mistakes_are_one_line_naming_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    f = _toml(tmp_path, text, "c.toml")
    with pytest.raises(ConfigError) as exc:
        load_config(f)
    assert str(exc.value) == f"{f}: {message}"
    assert exc.value.exit_code == 4


@pytest.mark.parametrize(("text", "message"), MISTAKES)
def test_the_published_schema_refuses_the_same_mistakes(text: str, message: str) -> None:
    assert list(_validator().iter_errors(tomllib.loads(text))), message


def test_several_problems_are_counted_on_the_one_line(tmp_path: Path) -> None:
    f = _toml(tmp_path, "[engine]\nthreads = 0\nmemory_limit = 'x'\n[utilisation]\ncpu = 9\n")
    with pytest.raises(ConfigError) as exc:
        load_config(f)
    # pydantic reports in the models' field order: [utilisation] comes before [engine]
    assert (
        str(exc.value)
        == f"{f}: [utilisation] cpu must be a number between 0 and 1, got 9.0 (and 2 more problems)"
    )


def test_unknown_key_far_from_any_lists_the_known_ones(tmp_path: Path) -> None:
    f = _toml(tmp_path, "[ledger]\nzzz = 1\n")
    with pytest.raises(ConfigError, match=r"unknown key 'zzz' in \[ledger\]; known: path$"):
        load_config(f)


def test_schema_key_is_accepted(tmp_path: Path) -> None:
    text = '"$schema" = "./config.schema.json"\n[engine]\nthreads = 2\n'
    assert load_config(_toml(tmp_path, text)).engine.threads == 2
    assert list(_validator().iter_errors(tomllib.loads(text))) == []
    # and the taplo directive is a comment: nothing to accept
    assert load_config(_toml(tmp_path, "#:schema ./config.schema.json\n" + text)).engine.threads == 2


def test_values_read_as_before(tmp_path: Path) -> None:
    text = """
[projects]
rules = [{ account = 123456789012, project = "shared" }, { tag = "user:project", prefix = "p-" }]
[ai]
run_tag = "user:run"
stages = [{ tag = "user:stage" }, { service = "SageMaker", stage = "training" }]
"""
    cfg = load_config(_toml(tmp_path, text))
    assert cfg.project_rules[0].account == "123456789012"  # a TOML integer account is its text
    assert cfg.project_rules[1].prefix == "p-"
    assert cfg.ai.run_tags == ("user:run",) and cfg.ai.stages[1].service == "SageMaker"
    assert cfg.grid_datasets == DEFAULT_GRID_DATASETS and cfg.engine.memory_limit == "600MB"


# --- environment variables --------------------------------------------------------------------------


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = _toml(
        tmp_path,
        "[engine]\nthreads = 1\nmemory_limit = '2GB'\n[statement]\norganisation = 'File Ltd'\n"
        "[utilisation]\ncpu = 0.4\n[projects]\nrules = [{ tag = 'user:project' }]\n",
    )
    monkeypatch.setenv("CLOUDCARBON_ENGINE__THREADS", "3")
    monkeypatch.setenv("cloudcarbon_engine__memory_limit", "1GiB")  # names are read in any case
    monkeypatch.setenv("CLOUDCARBON_ORGANISATION__NAME", "Env Ltd")
    monkeypatch.setenv("CLOUDCARBON_UTILISATION__ACCELERATOR", "0.25")
    monkeypatch.setenv("CLOUDCARBON_PROJECTS__UNMATCHED", "account")
    monkeypatch.setenv("CLOUDCARBON_ESTIMATE__STRICT", "true")
    monkeypatch.setenv(
        "CLOUDCARBON_LEDGER", str(tmp_path / "l.sqlite")
    )  # the ledger's own variable: ignored here
    cfg = load_config(f)
    assert cfg.engine == EngineOptions(memory_limit="1GiB", threads=3)
    assert cfg.organisation == "Env Ltd" and cfg.strict is True and cfg.unmatched == "account"
    assert cfg.cpu_utilisation == 0.4 and cfg.accelerator_utilisation == 0.25  # the file's cpu is kept
    assert cfg.project_rules[0].tag == "user:project"


def test_environment_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config() == Config()
    monkeypatch.setenv("CLOUDCARBON_ENGINE__TEMP_DIRECTORY", "/var/tmp/spill")
    monkeypatch.setenv("CLOUDCARBON_UTILISATION__CPU", "")  # empty: unset
    assert load_config() == Config(engine=EngineOptions(temp_directory="/var/tmp/spill"))


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "CLOUDCARBON_ENGINE__THREADS",
            "two",
            "CLOUDCARBON_ENGINE__THREADS must be a whole number, got 'two'",
        ),
        (
            "CLOUDCARBON_UTILISATION__CPU",
            "50",
            "CLOUDCARBON_UTILISATION__CPU must be a number between 0 and 1, got 50.0",
        ),
        (
            "CLOUDCARBON_ESTIMATE__STRICT",
            "maybe",
            "CLOUDCARBON_ESTIMATE__STRICT must be true or false, got 'maybe'",
        ),
        (
            "CLOUDCARBON_PROJECTS__UNMATCHED",
            "accounts",
            "CLOUDCARBON_PROJECTS__UNMATCHED must be one of unallocated, account, got 'accounts'; "
            "did you mean 'account'?",
        ),
    ],
)
def test_bad_environment_value_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as exc:
        load_config(_toml(tmp_path, "[engine]\nthreads = 1\n"))
    assert str(exc.value) == f"configuration: environment variable {message}; correct or unset it"


def test_unknown_environment_variable_is_named_with_the_nearest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDCARBON_ENGINE__THREAD", "2")
    with pytest.raises(ConfigError) as exc:
        environment_overrides()
    assert str(exc.value) == (
        "configuration: unknown environment variable CLOUDCARBON_ENGINE__THREAD; "
        "did you mean 'CLOUDCARBON_ENGINE__THREADS'?; unset or rename it"
    )


def test_file_errors_are_reported_even_where_the_environment_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = _toml(tmp_path, "[engine]\nthreads = 'x'\n")
    monkeypatch.setenv("CLOUDCARBON_ENGINE__THREADS", "2")
    with pytest.raises(ConfigError, match=r"\[engine\] threads must be a whole number, got 'x'"):
        load_config(f)


def test_documented_variables() -> None:
    # the README lists these; each names the [section] key it overrides
    assert ENV_VARIABLES == {
        "CLOUDCARBON_PROJECTS__UNMATCHED": "[projects] unmatched",
        "CLOUDCARBON_UTILISATION__CPU": "[utilisation] cpu",
        "CLOUDCARBON_UTILISATION__ACCELERATOR": "[utilisation] accelerator",
        "CLOUDCARBON_ENGINE__MEMORY_LIMIT": "[engine] memory_limit",
        "CLOUDCARBON_ENGINE__THREADS": "[engine] threads",
        "CLOUDCARBON_ENGINE__TEMP_DIRECTORY": "[engine] temp_directory",
        "CLOUDCARBON_ESTIMATE__STRICT": "[estimate] strict",
        "CLOUDCARBON_ORGANISATION__NAME": "[organisation] name",
    }
    readme = README.read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in ENV_VARIABLES)


# --- the CLI ----------------------------------------------------------------------------------------


_run = run_cli  # the CLI's entry point, as the error tests run it


def test_cli_schema_prints_the_shipped_file() -> None:
    res = runner.invoke(app, ["config", "schema"])
    assert res.exit_code == 0
    assert json.loads(res.stdout) == json.loads(
        (resources.files("cloudcarbon") / "config.schema.json").read_text(encoding="utf-8")
    )


def test_cli_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _toml(tmp_path, DEMO_CONFIG)
    assert _run(["config", "check", str(good)], monkeypatch, capsys) == (0, "ok\n", "")
    assert _run(["config", "check", "--quiet", str(good)], monkeypatch, capsys) == (0, "", "")
    monkeypatch.chdir(tmp_path)  # no FILE: ./cloudcarbon.toml
    assert _run(["config", "check"], monkeypatch, capsys) == (0, "ok\n", "")
    bad = _toml(tmp_path, "[utilisaton]\ncpu = 0.5\n", "bad.toml")
    assert _run(["config", "check", str(bad)], monkeypatch, capsys) == (
        4,
        "",
        f"error: {bad}: unknown key 'utilisaton' at the top level; did you mean 'utilisation'?\n",
    )
    code, _, err = _run(["config", "check", str(tmp_path / "absent.toml")], monkeypatch, capsys)
    assert code == 4 and err.count("\n") == 1 and "absent.toml: cannot read the configuration file" in err


def test_cli_check_escapes_hostile_keys_and_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # a quoted key with a formula lead, a terminal escape, markup and non-ASCII: named, never obeyed
    bad = _toml(tmp_path, '["=1+1\\u001b[2J<script>ütilisation"]\ncpu = 0.5\n', "hostile.toml")
    code, out, err = _run(["config", "check", str(bad)], monkeypatch, capsys)
    assert code == 4 and out == "" and err.count("\n") == 1
    assert "\x1b" not in err and "<script>ütilisation" in err and "=1+1\\x1b[2J" in err
    monkeypatch.setenv("CLOUDCARBON_ORGANISATION__NAME", "")  # empty: unset, not an error
    monkeypatch.setenv("CLOUDCARBON_PROJECTS__UNMATCHED", "\x1b]0;pwned\x07[red]=cmd")
    good = _toml(tmp_path, "")
    code, out, err = _run(["config", "check", str(good)], monkeypatch, capsys)
    assert code == 4 and err.count("\n") == 1 and "\x1b" not in err and "\x07" not in err
    assert "CLOUDCARBON_PROJECTS__UNMATCHED" in err and "[red]=cmd" in err  # markup printed literally


def test_cli_help_has_examples() -> None:
    for sub in ("schema", "check"):
        res = runner.invoke(app, ["config", sub, "--help"])
        assert res.exit_code == 0 and "Example: " in res.stdout and "cloudcarbon config " + sub in res.stdout
