"""The pointing table (catalogues/pointings.h5) carries units, through an HDF5 round trip."""

from astropy.table import Table

from selfunc.config.models import SurveyConfig
from selfunc.pointing import POINTING_UNITS, draw_pointings, pointing_table


def test_pointing_table_columns_have_units_after_a_round_trip(tmp_path):
    rows = []
    for s in draw_pointings(SurveyConfig(), 3, seed=4):
        row = s.as_row()
        row["pointing"] = row.pop("id")
        rows.append(row)
    path = tmp_path / "pointings.h5"
    pointing_table(rows).write(path, path="pointings", serialize_meta=True)
    back = Table.read(path, path="pointings")
    assert set(POINTING_UNITS) <= set(back.colnames)
    for name, unit in POINTING_UNITS.items():
        assert back[name].unit == unit, name
    # Exposures are the survey's (s), positions degrees on the sky.
    assert set(back["exposure"].value) <= set(SurveyConfig().exposures)
    assert ((back["dec"].value >= -90) & (back["dec"].value <= 90)).all()
