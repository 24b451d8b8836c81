"""One configuration file: shipped defaults, user overrides, clear errors; the words catalogue."""

from __future__ import annotations

import ast
import dataclasses
import json
import pickle
from pathlib import Path

import pytest

import gaitlab
from gaitlab.config import as_settings, default_table, load_config, load_defaults
from gaitlab.errors import ConfigError
from gaitlab.words import catalogue, entry, say


def test_user_file_overrides_only_what_it_names(tmp_path):
    cfg_file = tmp_path / "my.toml"
    cfg_file.write_text(
        "[signals]\nmax_gap_s = 0.2\n[findings.hip_weakness]\nmin_primary_met = 2\n"
    )
    cfg = load_config(cfg_file)
    defaults = load_defaults()
    assert cfg.signals.max_gap_s == 0.2
    assert cfg.findings.hip_weakness.min_primary_met == 2
    assert cfg.signals.filter_order == defaults.signals.filter_order
    assert cfg.findings.hip_weakness.signs == defaults.findings.hip_weakness.signs
    expected = default_table()
    expected["signals"]["max_gap_s"] = 0.2
    expected["findings"]["hip_weakness"]["min_primary_met"] = 2
    assert cfg.to_dict() == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[signals]\ncutof_hz = 3\n", "signals.cutof_hz"),
        ("[nonsense]\nx = 1\n", "nonsense"),
        ("[signals\n", "not valid TOML"),
        ("signals = 3\n", "must be a table"),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path, text, fragment):
    cfg_file = tmp_path / "bad.toml"
    cfg_file.write_text(text)
    with pytest.raises(ConfigError, match=fragment):
        load_config(cfg_file)


def test_settings_are_typed_frozen_and_round_trip_to_the_toml_table():
    settings = load_defaults()
    assert settings.to_dict() == default_table()  # summary.json's "settings" keeps its content
    assert json.dumps(settings.to_dict()) == json.dumps(default_table())  # and its key order
    assert isinstance(settings.signals.max_gap_s, float)
    assert isinstance(settings.findings.min_steps_per_side, int)
    assert settings.findings.hip_tightness.views == ("side",)
    assert [s.metric for s in settings.findings.hip_weakness.signs][:2] == [
        "lateral_drift_pct",
        "trunk_lean_deg",
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.signals.max_gap_s = 1.0  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(settings)) == settings  # batch workers receive it
    assert load_config(None) is settings  # parsed once


def test_an_integer_is_taken_where_a_number_is_expected(tmp_path):
    cfg_file = tmp_path / "my.toml"
    cfg_file.write_text("[signals]\nmax_gap_s = 1\ncutoff_hz = 6\n")
    cfg = load_config(cfg_file)
    assert cfg.signals.max_gap_s == 1.0 and isinstance(cfg.signals.max_gap_s, float)
    assert cfg.signals.cutoff_hz == 6.0


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ('[signals]\nmax_gap_s = "long"\n', ["'signals.max_gap_s'", '"long"', "a number"]),
        ("[signals]\ncutoff_hz = -2\n", ["'signals.cutoff_hz'", "-2", "above 0", '"auto"']),
        ('[signals]\ncutoff_hz = "off"\n', ["'signals.cutoff_hz'", '"off"', '"auto"']),
        ("[findings]\nmin_steps_per_side = 6.5\n", ["min_steps_per_side", "6.5", "whole number"]),
        ("[signals]\nfilter_order = true\n", ["'signals.filter_order'", "true", "whole number"]),
        ("[pose]\nmin_detection_confidence = 1.5\n", ["1.5", "from 0 to 1"]),
        ("[pose]\nmodel = 3\n", ["'pose.model'", "3", "text"]),
        (
            '[findings.hip_tightness]\nviews = "side"\n',
            ["'findings.hip_tightness.views'", '"side"', "a list"],
        ),
        (
            '[findings.hip_tightness]\nviews = ["top"]\n',
            ["views[0]", '"top"', '"side", "rear", "front"'],
        ),
        (
            '[findings.hip_tightness.signs.step_length_leg]\ncomparison = "=="\n',
            ["signs.step_length_leg.comparison", '"=="', '">", "<"'],
        ),
        ("[signals.max_gap_s]\nx = 1\n", ["'signals.max_gap_s'", "a single value"]),
        ("[runner]\nheight_cm = 180\n", ["runner.height_cm = 180", "height_m"]),
    ],
)
def test_a_wrong_value_is_one_sentence_naming_key_value_and_what_is_expected(
    tmp_path, text, fragments
):
    cfg_file = tmp_path / "bad.toml"
    cfg_file.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(cfg_file)
    message = info.value.message
    assert "\n" not in message and str(cfg_file) in message
    for fragment in fragments:
        assert fragment in message, message


def test_overrides_are_checked_like_a_file():
    settings = load_defaults().with_overrides({"runner": {"height_m": 1.8}})
    assert settings.runner.height_m == 1.8 and settings.runner.known_height_m == 1.8
    assert load_defaults().runner.known_height_m is None  # 0 means unknown
    with pytest.raises(ConfigError, match=r"'runner\.height_m'"):
        load_defaults().with_overrides({"runner": {"height_m": "tall"}})
    assert as_settings(None) is load_defaults()
    assert as_settings({"video": {"slowmo_factor": 8}}).video.slowmo_factor == 8.0
    with pytest.raises(ConfigError, match="vidoe"):
        as_settings({"vidoe": {}})


def test_the_shipped_defaults_pass_their_own_checks_and_name_every_field():
    """Every key in defaults.toml has a typed field, and every field a key (no silent extras)."""
    table = default_table()

    def keys(obj, where=""):
        out = set()
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            key_field = f.metadata.get("keyed_by")
            if key_field:
                for item in value:
                    name = f"{where}{f.name}.{getattr(item, key_field)}."
                    out |= {k for k in keys(item, name) if not k.endswith("." + key_field)}
            elif dataclasses.is_dataclass(value):
                out |= keys(value, f"{where}{f.name}.")
            elif value is not None:
                out.add(f"{where}{f.name}")
        return out

    def toml_keys(node, where=""):
        out = set()
        for k, v in node.items():
            out |= toml_keys(v, f"{where}{k}.") if isinstance(v, dict) else {f"{where}{k}"}
        return out

    assert keys(load_defaults()) == toml_keys(table)


def test_stage_signatures_repeat_no_setting_default():
    """One source of each default: no function of the package defaults a parameter named like a
    setting to a literal (None, meaning "from the settings", is allowed)."""
    names = set()

    def collect(obj):
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if dataclasses.is_dataclass(value):
                collect(value)
            elif not isinstance(value, tuple):
                names.add(f.name)

    collect(load_defaults())
    names -= {"source", "rationale"}
    neutral = {"slowmo_factor": 1.0}  # 1.0: the clip plays in real time (no slow motion)
    found = []
    package = Path(gaitlab.__file__).parent
    for path in sorted(package.rglob("*.py")):
        if "synthetic" in path.parts:  # the synthetic runner's spec is not a setting
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = node.args
                pairs = list(zip(args.args[::-1], args.defaults[::-1], strict=False))
                kw = zip(args.kwonlyargs, args.kw_defaults, strict=True)
                pairs += [(a, d) for a, d in kw if d is not None]
                for arg, default in pairs:
                    if arg.arg in names and isinstance(default, ast.Constant):
                        if default.value is None or neutral.get(arg.arg) == default.value:
                            continue
                        found.append(f"{path.name}:{node.lineno} {arg.arg}={default.value!r}")
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and node.target.id in names
                and isinstance(node.value, ast.Constant)
                and node.value.value is not None
            ):
                found.append(f"{path.name}:{node.lineno} {node.target.id}")
    assert found == []


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def test_every_threshold_has_a_source_or_a_rationale():
    findings = default_table()["findings"]
    n = 0
    for pattern in ("hip_tightness", "hip_weakness"):
        for name, sign in findings[pattern]["signs"].items():
            n += 1
            assert sign["source"], name
            if sign["source"] == "none":
                assert sign.get("rationale"), f"{name}: source 'none' needs a rationale"
    assert n >= 4


def test_words_catalogue_has_every_status_sentence_and_the_exercises():
    for pattern in ("hip_tightness", "hip_weakness"):
        for status in ("flagged", "not_flagged", "insufficient_evidence", "not_assessed"):
            assert say(f"finding.{pattern}.{status}", reason="x")
    names = [x["name"] for x in entry("exercises.hip_weakness.items")]
    assert names == [
        "Clamshells",
        "Bridges",
        "Glute blasters",
        "Squats or sit-to-stand",
        "Side steps",
    ]
    assert all("3 sets of 10" in x["dose"] for x in entry("exercises.hip_weakness.items"))
    assert all("5-10 minutes" in x["dose"] for x in entry("exercises.hip_tightness.items"))
    assert len(entry("exercises.hip_weakness.activation")) == 4
    assert "diagnosis" in catalogue()["disclaimer"]["text"]
    with pytest.raises(KeyError, match="No entry"):
        say("finding.nothing_here")
