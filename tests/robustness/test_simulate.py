"""``selfunc simulate``: malformed campaign files and arguments are refused before any work,
as one line naming the file and key, and leave the --out folder as it was."""

from __future__ import annotations

import pytest

from .conftest import assert_one_line_error, run_cli, snapshot

# (id, TOML text, what the one line must name besides the file)
NON_FINITE = [
    ("exposure nan ks", 'survey.exposures = ["nan ks"]', "survey.exposures.0"),
    ("exposure nan", "survey.exposures = [nan]", "survey.exposures.0"),
    ("exposure inf", "survey.exposures = [inf]", "survey.exposures.0"),
    ("exposure inf s", 'survey.exposures = ["inf s"]', "survey.exposures.0"),
    ("exposure 1e400", "survey.exposures = [1e400]", "survey.exposures.0"),
    ("exposure weight nan", "survey.exposure_weights = [nan, 0.5]", "survey.exposure_weights.0"),
    ("background_scale min nan", "survey.background_scale = {min = nan, max = 1}",
     "survey.background_scale.min"),
    ("background_scale max inf", "survey.background_scale = {min = 1, max = inf}",
     "survey.background_scale.max"),
    ("nh nan", "survey.nh = nan", "survey.nh"),
    ("latitude nan", "survey.min_abs_galactic_latitude = nan", "survey.min_abs_galactic_latitude"),
    ("grid redshift max nan", "population.grid.redshift = {min = 0.1, max = nan}",
     "population.grid.redshift.max"),
    ("grid redshift min -inf", "population.grid.redshift = {min = -inf, max = 1}",
     "population.grid.redshift.min"),
    ("grid flux max inf", 'population.grid.flux = {min = 1e-15, max = inf, distribution = '
     '"loguniform"}', "population.grid.flux.max"),
    ("grid flux min nan", "population.grid.flux = {min = nan, max = 1e-13}",
     "population.grid.flux.min"),
    ("grid core radius max inf", "population.grid.core_radius = {min = 5, max = inf}",
     "population.grid.core_radius.max"),
    ("grid core radius min nan", "population.grid.core_radius = {min = nan, max = 9}",
     "population.grid.core_radius.min"),
    ("pixel size nan", "instrument.pixel_size = nan", "instrument.pixel_size"),
    ("pixel size inf arcsec", 'instrument.pixel_size = "inf arcsec"', "instrument.pixel_size"),
    ("fov inf", "instrument.fov_radius = inf", "instrument.fov_radius"),
    ("band nan", "instrument.band = [0.5, nan]", "instrument.band.1"),
    ("effective energy nan keV", 'instrument.effective_energy = "nan keV"',
     "instrument.effective_energy"),
    ("background level nan", "instrument.background.level = nan", "instrument.background.level"),
    ("particle fraction nan", "instrument.background.particle_fraction = nan",
     "instrument.background.particle_fraction"),
    ("beta nan", "population.beta = nan", "population.beta"),
    ("placement radius nan arcmin", 'population.placement_radius = "nan arcmin"',
     "population.placement_radius"),
    ("agn flux_min nan", "population.agn.flux_min = nan", "population.agn.flux_min"),
    ("agn alpha1 inf", "population.agn.alpha1 = inf", "population.agn.alpha1"),
    ("mass function redshift inf", "population.mass_function.redshift = {min = 0.1, max = inf}",
     "population.mass_function.redshift.max"),
    ("H0 nan", "population.mass_function.cosmology.H0 = nan",
     "population.mass_function.cosmology.H0"),
    ("M-T norm inf", "population.mass_function.scaling.mt_norm = inf",
     "population.mass_function.scaling.mt_norm"),
    ("stars density inf", "population.stars.density_at_pole = inf",
     "population.stars.density_at_pole"),
    ("nearby galaxies nan", "population.nearby_galaxies.per_pointing = nan",
     "population.nearby_galaxies.per_pointing"),
    ("pairs inf", "population.pairs.per_pointing = inf", "population.pairs.per_pointing"),
    ("central agn nan", "population.central_agn.fraction = nan",
     "population.central_agn.fraction"),
    ("detection fdr nan", "detection.false_detection_rate = nan",
     "detection.false_detection_rate"),
    ("detection offaxis inf arcmin", 'detection.max_offaxis = "inf arcmin"',
     "detection.max_offaxis"),
    ("stamp size nan", "stamps.size = nan", "stamps.size"),
]

UNITS_AND_SIZES = [
    ("exposure wrong unit", 'survey.exposures = ["10 km"]', "survey.exposures.0"),
    ("exposure array string", 'survey.exposures = ["[1, 2] s"]', "survey.exposures.0"),
    ("exposure not a number", 'survey.exposures = ["ten ks"]', "survey.exposures.0"),
    ("exposure negative", "survey.exposures = [-10]", "exposures must be positive"),
    ("no exposures", "survey.exposures = []\nsurvey.exposure_weights = []", "survey"),
    ("n_pointings 0", "[campaign]\nn_pointings = 0", "campaign.n_pointings"),
    ("n_pointings 1e9", "[campaign]\nn_pointings = 1e9", "campaign.n_pointings"),
    ("n_pointings over the bound", "[campaign]\nn_pointings = 100001", "campaign.n_pointings"),
    ("n_pointings negative", "[campaign]\nn_pointings = -3", "campaign.n_pointings"),
    ("n_pointings text", '[campaign]\nn_pointings = "many"', "campaign.n_pointings"),
    ("seed negative", "[campaign]\nseed = -1", "campaign.seed"),
    ("seed 2**70", "[campaign]\nseed = 1180591620717411303424", "campaign.seed"),
    ("seed fraction", "[campaign]\nseed = 1.5", "campaign.seed"),
    ("seed nan", "[campaign]\nseed = nan", "campaign.seed"),
    ("npix 40000", "instrument.npix = 40000", "instrument.npix"),
    ("clusters per pointing negative", "population.grid.n_per_pointing = -1",
     "population.grid.n_per_pointing"),
    ("range with a unit string", 'population.grid.core_radius = {min = "nan arcsec", max = 9}',
     "population.grid.core_radius.min"),
    ("range reversed", "population.grid.redshift = {min = 1, max = 0.1}",
     "population.grid.redshift"),
]

STRUCTURE = [
    ("selection typo", '[campaign]\nselection = "C1 adn C2"', "campaign.selection"),
    ("selection empty", '[campaign]\nselection = ""', "campaign.selection"),
    ("selection unclosed", '[campaign]\nselection = "(C1 or"', "campaign.selection"),
    ("selection nested deeply", '[campaign]\nselection = "' + "(" * 3000 + 'C1' + ")" * 3000 + '"',
     "campaign.selection"),
    ("cnn screen typo", '[cnn]\nscreen = "C1 or or C2"', "cnn.screen"),
    ("comments only", "# nothing here\n", "empty campaign file"),
    ("unknown section", "[campain]\nname = 'x'", "campain"),
    ("unknown campaign key", "[campaign]\nnam = 'x'", "campaign.nam"),
    ("campaign not a table", "campaign = 3", "campaign"),
    ("unknown stage", '[campaign]\nstages = ["sky", "fitt"]', "campaign.stages"),
    ("stamps without detect", '[campaign]\nstages = ["sky", "xray", "stamps"]', "campaign.stages"),
    ("missing preset", 'instrument = "no_such_preset"', "no_such_preset"),
    ("missing preset file", 'instrument = "missing.toml"', "missing.toml"),
    ("preset not a name", "[instrument]\npreset = 3", "instrument.preset"),
    ("section wrong type", "survey = 3", "survey"),
    ("bad TOML", "[campaign\nname = 'x'", "not valid TOML"),
    ("duplicate key", "[campaign]\nname = 'a'\nname = 'b'", "not valid TOML"),
    ("deeply nested array", "a = " + "[" * 5000 + "]" * 5000, "nested too deeply"),
]


def _case(in_tmp, text: str | bytes, argv=()):
    cfg = in_tmp / "c.toml"
    if isinstance(text, bytes):
        cfg.write_bytes(text)
    else:
        cfg.write_text(text)
    out = in_tmp / "run"
    out.mkdir()
    (out / "notes.txt").write_text("a file of the user's, kept as it is\n")
    before = snapshot(out)
    result = run_cli(["simulate", cfg.name, "--out", "run", *argv])
    assert snapshot(out) == before  # nothing written, nothing removed
    return result


@pytest.mark.parametrize("text, key", [c[1:] for c in NON_FINITE],
                         ids=[c[0] for c in NON_FINITE])
def test_non_finite_numbers_are_refused(in_tmp, text, key):
    line = assert_one_line_error(_case(in_tmp, text), "c.toml", f"'{key}")
    assert "finite" in line


@pytest.mark.parametrize("text, key", [c[1:] for c in UNITS_AND_SIZES + STRUCTURE],
                         ids=[c[0] for c in UNITS_AND_SIZES + STRUCTURE])
def test_malformed_campaign_files_are_refused(in_tmp, text, key):
    line = assert_one_line_error(_case(in_tmp, text), "c.toml", key)
    assert "survey/xclass.toml" not in line and "instrument/epic.toml" not in line


@pytest.mark.parametrize("data, what", [
    (b"\xff\xfe\x00\x01binary", "not a UTF-8 text file"),
    ('[campaign]\nname = "caf\xe9"\n'.encode("latin-1"), "not a UTF-8 text file"),
    (b"", "empty campaign file"),
], ids=["binary", "latin-1", "empty"])
def test_unreadable_files_are_refused(in_tmp, data, what):
    assert_one_line_error(_case(in_tmp, data), "c.toml", what)


def test_an_error_in_campaign_names_only_this_file(in_tmp):
    line = assert_one_line_error(_case(in_tmp, 'survey = "xclass"\n[campaign]\nseed = -1'),
                                 "c.toml", "campaign.seed")
    assert " / " not in line and "xclass" not in line


@pytest.mark.parametrize("argv, needle", [
    (["--pointings", "0"], "--pointings"),
    (["--pointings", "-1"], "--pointings"),
    (["--pointings", "x"], "--pointings"),
    (["--pointings", "200000"], "--pointings"),
    (["--workers", "0"], "--workers"),
    (["--workers", "1.5"], "--workers"),
], ids=["pointings 0", "pointings -1", "pointings x", "pointings 2e5", "workers 0",
        "workers 1.5"])
def test_bad_arguments_are_refused_under_their_own_name(in_tmp, argv, needle):
    assert_one_line_error(_case(in_tmp, "[campaign]\nn_pointings = 1", argv), needle)


def test_missing_config_is_named_as_given(in_tmp):
    assert_one_line_error(run_cli(["simulate", "nope.toml", "--out", "run"]), "nope.toml",
                          "not found")
    line = assert_one_line_error(run_cli(["simulate", "quickstar", "--out", "run"]),
                                 "quickstar", "quickstart")
    assert "configs" not in line
    (in_tmp / "folder.toml").mkdir()
    assert_one_line_error(run_cli(["simulate", "folder.toml", "--out", "run"]), "folder.toml",
                          "is a folder")
    assert not (in_tmp / "run").exists()


@pytest.mark.parametrize("out, expect", [("afile", "is a file"), ("afile/sub", "afile")],
                         ids=["out is a file", "out under a file"])
def test_out_that_cannot_be_a_folder(in_tmp, out, expect):
    (in_tmp / "c.toml").write_text("[campaign]\nn_pointings = 1\n")
    (in_tmp / "afile").write_text("x")
    assert_one_line_error(run_cli(["simulate", "c.toml", "--out", out]), out, expect)
    assert (in_tmp / "afile").read_text() == "x"
