"""One configuration file: shipped defaults, user overrides, clear errors; the words catalogue."""

from __future__ import annotations

import pytest

from gaitlab.config import load_config, load_defaults
from gaitlab.errors import ConfigError
from gaitlab.words import catalogue, entry, say


def test_user_file_overrides_only_what_it_names(tmp_path):
    cfg_file = tmp_path / "my.toml"
    cfg_file.write_text(
        "[signals]\nmax_gap_s = 0.2\n[findings.hip_weakness]\nmin_primary_met = 2\n"
    )
    cfg = load_config(cfg_file)
    defaults = load_defaults()
    assert cfg["signals"]["max_gap_s"] == 0.2
    assert cfg["findings"]["hip_weakness"]["min_primary_met"] == 2
    assert cfg["signals"]["filter_order"] == defaults["signals"]["filter_order"]
    assert cfg["findings"]["hip_weakness"]["signs"] == defaults["findings"]["hip_weakness"]["signs"]


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


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def test_every_threshold_has_a_source_or_a_rationale():
    findings = load_defaults()["findings"]
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
