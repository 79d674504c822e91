"""Configuration errors are one line with exit 4; factor sets: a released version name means the
released content (hash fixed in the package), anything else is user-made and says so."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from cloudcarbon.exceptions import ConfigError, FactorSetError
from cloudcarbon.factors import SHIPPED_SHA256, content_sha256, factor_set_root, load_factor_set
from cloudcarbon.report import render_table, to_json_dict
from tests.conftest import PINNED_FACTORS
from tests.hostile._build import cli, cur, m5, one_line_error, run


def _estimate(
    tmp_path: Path, config: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    f = cur(tmp_path / "cur.csv", [m5("1.00")])
    cfg = tmp_path / "cloudcarbon.toml"
    cfg.write_text(config, encoding="utf-8")
    return cli(
        ["estimate", "--source", str(f), "--month", "2026-10", "--config", str(cfg)], monkeypatch, capsys
    )


@pytest.mark.parametrize("value", ['"lots"', '"600"', "600", '"-1GB"', '""', '"1.5 parsecs"'])
def test_memory_limit_that_does_not_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    code, err = _estimate(tmp_path, f"[engine]\nmemory_limit = {value}\n", monkeypatch, capsys)
    one_line_error(code, err, 4, "memory_limit", "cloudcarbon.toml")


@pytest.mark.parametrize("value", ['"600MB"', '"2 GB"', '"1.5GiB"'])
def test_memory_limits_that_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    f = cur(tmp_path / "cur.csv", [m5("1.00")])
    cfg = tmp_path / "cloudcarbon.toml"
    cfg.write_text(f"[engine]\nmemory_limit = {value}\n", encoding="utf-8")
    monkeypatch.setattr(
        "sys.argv",
        ["cloudcarbon", "estimate", "--source", str(f), "--month", "2026-10", "--config", str(cfg)],
    )
    from cloudcarbon.cli import main

    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 0  # success
    assert "1.00" in capsys.readouterr().out


def test_spill_folder_that_cannot_be_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, err = _estimate(tmp_path, f'[engine]\ntemp_directory = "{blocker}/spill"\n', monkeypatch, capsys)
    one_line_error(code, err, 4, "temp_directory", str(blocker))


def test_spill_folder_not_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _estimate(tmp_path, "[engine]\ntemp_directory = 3\n", monkeypatch, capsys)
    one_line_error(code, err, 4, "temp_directory")


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR binary",
        b'{"project": "a", "month": "2026-10", "requests": 5}\n',
        b"project;month;requests\na;2026-10;5\n",
        b"",
    ],
)
def test_requests_file_that_is_not_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    req = tmp_path / "requests.csv"
    req.write_bytes(content)
    code, err = _estimate(tmp_path, f'[ai]\nrequests = "{req}"\n', monkeypatch, capsys)
    one_line_error(code, err, 4, str(req))


def test_config_error_is_exit_4() -> None:
    assert ConfigError(None, "x").exit_code == 4


# --- factor sets


def _copy_shipped(tmp_path: Path) -> Path:
    dst = tmp_path / "fs"
    shutil.copytree(factor_set_root() / PINNED_FACTORS, dst)
    return dst


def _edit_and_rehash(folder: Path, version: str | None = None) -> None:
    """Change one number in coefficients.csv and re-hash the descriptor, as an editor could."""
    coeff = folder / "coefficients.csv"
    lines = coeff.read_text(encoding="utf-8").splitlines()
    # a new coefficient row (the copy of the last one, under a new name) changes the content
    lines.append("user_test_coefficient," + lines[-1].split(",", 1)[1])
    coeff.write_text("\n".join(lines) + "\n", encoding="utf-8")
    desc = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    hashes = {}
    for res in desc["resources"]:
        digest = hashlib.sha256((folder / res["path"]).read_bytes()).hexdigest()
        res["sha256"] = digest
        hashes[res["path"]] = digest
    desc["content_sha256"] = content_sha256(hashes)
    if version is not None:
        desc["version"] = version
    (folder / "datapackage.json").write_text(json.dumps(desc, indent=2), encoding="utf-8")


def test_every_shipped_set_is_pinned_in_the_package() -> None:
    for v in sorted(p.name for p in factor_set_root().iterdir() if (p / "datapackage.json").is_file()):
        assert v in SHIPPED_SHA256, f"factor set {v} ships without a pinned hash in cloudcarbon/factors.py"
        fs = load_factor_set(v)
        assert fs.sha256 == SHIPPED_SHA256[v] and not fs.user_made and fs.label == v


def test_edited_set_under_the_shipped_name_is_refused(tmp_path: Path) -> None:
    folder = _copy_shipped(tmp_path)
    _edit_and_rehash(folder)
    with pytest.raises(FactorSetError, match=f"calls itself {PINNED_FACTORS}, a released version"):
        load_factor_set(str(folder))


def test_edited_set_under_the_shipped_name_cli_exit_5(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _copy_shipped(tmp_path)
    _edit_and_rehash(folder)
    f = cur(tmp_path / "cur.csv", [m5("1.00")])
    code, err = cli(
        ["estimate", "--source", str(f), "--month", "2026-10", "--factors", str(folder)], monkeypatch, capsys
    )
    one_line_error(code, err, 5, "released version")


def test_edited_set_with_its_own_name_is_user_made(tmp_path: Path) -> None:
    folder = _copy_shipped(tmp_path)
    _edit_and_rehash(folder, version="2026.11-acme.1")
    fs = load_factor_set(str(folder))
    assert fs.user_made and fs.version == "2026.11-acme.1" and fs.label == "2026.11-acme.1 (user-made)"
    r = run([cur(tmp_path / "cur.csv", [m5("1.00")])], factor_set=fs)
    assert to_json_dict(r)["factor_set"]["user_made"] is True
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(render_table(r))
    assert "2026.11-acme.1 (user-made)" in console.export_text()


def test_verbatim_copy_of_a_shipped_set_is_the_shipped_set(tmp_path: Path) -> None:
    fs = load_factor_set(str(_copy_shipped(tmp_path)))
    assert not fs.user_made and fs.sha256 == SHIPPED_SHA256[PINNED_FACTORS]
    r = run([cur(tmp_path / "cur.csv", [m5("1.00")])], factor_set=fs)
    assert to_json_dict(r)["factor_set"]["user_made"] is False


def _copy_with_grid_edit(tmp_path: Path, old: str, new: str) -> Path:
    """A user-made copy of 2026.12.1 with one text replaced in grid_intensity.csv, re-hashed."""
    folder = tmp_path / "fs"
    shutil.copytree(factor_set_root() / "2026.12.1", folder)
    grid = folder / "grid_intensity.csv"
    text = grid.read_text(encoding="utf-8")
    assert old in text
    grid.write_text(text.replace(old, new, 1), encoding="utf-8")
    desc = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    hashes = {}
    for res in desc["resources"]:
        res["sha256"] = hashes[res["path"]] = hashlib.sha256((folder / res["path"]).read_bytes()).hexdigest()
    desc["content_sha256"] = content_sha256(hashes)
    desc["version"] = "2026.12.1-acme.1"
    (folder / "datapackage.json").write_text(json.dumps(desc, indent=2), encoding="utf-8")
    return folder


@pytest.mark.parametrize("value", ["upstream", ""])
def test_grid_row_with_an_unknown_or_blank_boundary(
    tmp_path: Path, value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # the first row (line 2) is aws * 2020 ccf-appendix-v, operational
    folder = _copy_with_grid_edit(tmp_path, ",operational,annual,", f",{value},annual,")
    f = cur(tmp_path / "cur.csv", [m5("1.00")])
    code, err = cli(
        ["estimate", "--source", str(f), "--month", "2026-10", "--factors", str(folder)], monkeypatch, capsys
    )
    one_line_error(code, err, 5, "grid_intensity.csv line 2, column boundary")
