"""The pre-commit hook manifest and the composite GitHub Action, tested offline.

The manifest goes through ``pre-commit validate-manifest``. The Action's steps run here as
GitHub would run them (``${{ inputs.* }}`` resolved, ``GITHUB_OUTPUT`` and
``GITHUB_STEP_SUMMARY`` as files), except the two that need GitHub: setting up Python and
uploading the SARIF file.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from dedup.cli import main

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXPRESSION = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")
SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
PROSE = (
    "The committee met on Tuesday to discuss the budget for the coming year, and after a long "
    "debate it agreed to fund the new library wing."
)


def pre_commit(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "pre-commit"), *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_hook_manifest_is_valid_and_runs_one_whole_tree_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = pre_commit("validate-manifest", ".pre-commit-hooks.yaml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text((REPO / ".pre-commit-hooks.yaml").read_text().replace("python", "pythn"))
    assert pre_commit("validate-manifest", str(broken)).returncode == 1  # the check can fail

    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["pass_filenames"] is False and hook["require_serial"] is True
    program, *args = shlex.split(hook["entry"])
    assert program == "dedup"
    monkeypatch.chdir(REPO)
    assert CliRunner().invoke(main, [*args, "samples"]).exit_code == 1
    assert CliRunner().invoke(main, [*args, "samples/README.md"]).exit_code == 0


def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "action.yml").read_text())
    return loaded


def step(name: str) -> dict[str, Any]:
    return next(s for s in action()["runs"]["steps"] if s.get("name") == name)


def resolve(value: str, context: dict[str, str]) -> str:
    """GitHub's ``${{ name }}`` substitution, for the plain names the Action uses."""
    return EXPRESSION.sub(lambda m: context[m.group(1)], value)


def run_step(name: str, context: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """Run a ``run:`` step as the runner does; return its exit code, outputs and summary."""
    spec = step(name)
    assert spec["shell"] == "bash"
    # the runner keeps these files outside the workspace
    outputs, summary = cwd.with_name("github_output"), cwd.with_name("step_summary")
    outputs.write_text("")
    summary.write_text("")
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        **{k: resolve(str(v), context) for k, v in spec.get("env", {}).items()},
    }
    script = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", spec["run"]]
    done = subprocess.run(script, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    return done.returncode, outputs.read_text(), summary.read_text()


def inputs(**given: str) -> dict[str, str]:
    defaults = {name: str(spec.get("default", "")) for name, spec in action()["inputs"].items()}
    return {f"inputs.{k}": v for k, v in {**defaults, **given}.items()}


def test_action_uses_every_input_and_pastes_none_into_a_script() -> None:
    text = (REPO / "action.yml").read_text()
    used = set(re.findall(r"inputs\.([\w-]+)", text))
    assert used == set(action()["inputs"])
    assert action()["runs"]["using"] == "composite"
    for spec in action()["runs"]["steps"]:
        assert "${{" not in spec.get("run", "")  # inputs arrive through env only
    upload = step("Upload SARIF")
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"


@pytest.mark.slow
def test_action_scan_step_writes_sarif_summary_and_exit_code(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(REPO / "samples", workspace / "samples")
    stale = f"{PROSE}\n\n{PROSE}\n"  # a repeat inside an old SARIF file must not count
    (workspace / "dedup.sarif").write_text(stale)
    code, outputs, summary = run_step("Scan", inputs(), workspace)
    assert code == 0  # the gate is a later step, so the SARIF upload happens first
    assert outputs == "exit-code=1\n"
    assert summary.startswith("## dedup: 4 repeated paragraph clusters")
    log = json.loads((workspace / "dedup.sarif").read_text())
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(log)
    assert len(log["runs"][0]["results"]) == 4

    # both inputs are split on spaces: one path would not exist (2), no --fail-on none gives 1
    both = inputs(paths="samples/README.md samples/000_ee18bd951d049419.txt", args="--fail-on none")
    assert run_step("Scan", both, workspace)[1] == "exit-code=0\n"


@pytest.mark.parametrize("exit_code", ["0", "1", "2"])
def test_action_gate_step_fails_the_job_with_dedups_code(exit_code: str, tmp_path: Path) -> None:
    context = {"steps.scan.outputs.exit-code": exit_code}
    assert run_step("Gate", context, tmp_path)[0] == int(exit_code)


# --- the README's "Use in CI" snippets --------------------------------------------------------


def readme_blocks(language: str) -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Use in CI") :]
    section = section[: section.index("\n## ", 1)]
    return re.findall(rf"```{language}\n(.*?)```", section, re.S)


def test_readme_workflow_snippets_use_real_inputs_and_commands(tmp_path: Path) -> None:
    workflow, steps = (yaml.safe_load(block) for block in readme_blocks("yaml")[:2])
    (uses,) = [s for s in workflow["jobs"]["dedup"]["steps"] if s["uses"].endswith("/dedup@main")]
    assert set(uses["with"]) <= set(action()["inputs"])
    assert "security-events" in workflow["permissions"]
    (tmp_path / "docs").symlink_to(REPO / "samples")
    commands = [s["run"] for s in steps if s.get("run", "").startswith("dedup ")]
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "summary.md")
    codes = [
        subprocess.run(["bash", "-c", c], cwd=tmp_path, env=env, check=False).returncode
        for c in commands
    ]
    assert codes == [1, 0]
    assert (tmp_path / "summary.md").read_text().startswith("## dedup: 4 repeated")


def test_readme_pre_commit_config_is_valid(tmp_path: Path) -> None:
    (config,) = [b for b in readme_blocks("yaml") if "repos:" in b]
    (tmp_path / "config.yaml").write_text(config)
    assert pre_commit("validate-config", str(tmp_path / "config.yaml")).returncode == 0
    (hook,) = yaml.safe_load(config)["repos"][0]["hooks"]
    (ours,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == ours["id"]


def test_readme_shell_step_exits_with_dedups_code(tmp_path: Path) -> None:
    (script,) = readme_blocks("sh")
    (tmp_path / "docs").symlink_to(REPO / "samples")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert done.stdout == "dedup: exit 1; open dedup-report.html\n"
    assert (tmp_path / "dedup-report.html").read_text().startswith("<!DOCTYPE html>")
