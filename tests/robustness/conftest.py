"""Shared pieces of the robustness suite: run ``selfunc`` in-process, check that a failure
is one line (exit 2, no traceback, naming what is wrong), and that what was on disk before
is still there, byte for byte."""

from __future__ import annotations

import hashlib
import io
import contextlib
from pathlib import Path

import numpy as np
import pytest

import selfunc.cli


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``selfunc ARGV`` run in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = selfunc.cli.main([str(a) for a in argv])
        except SystemExit as exc:  # argparse: usage errors and --help
            rc = exc.code if isinstance(exc.code, int) else 2
    return rc, out.getvalue(), err.getvalue()


def assert_one_line_error(result, *needles: str) -> str:
    """Exit 2, one line on stderr naming every ``needle`` (file, key, column, expectation)."""
    rc, _, err = result
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert rc == 2, f"exit {rc}, stderr: {err[-2000:]}"
    assert "Traceback" not in err, err
    assert len(lines) == 1, f"{len(lines)} lines on stderr:\n{err[-2000:]}"
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in: {lines[0]}"
    return lines[0]


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) with the SHA-256 of its bytes."""
    folder = Path(folder)
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Work in a fresh folder (relative paths of the cases resolve there)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_image(path: Path, data: np.ndarray, *, wcs: bool = True) -> Path:
    from astropy.io import fits

    header = fits.Header()
    if wcs:
        ny, nx = data.shape
        header.update(CTYPE1="RA---TAN", CTYPE2="DEC--TAN", CRVAL1=150.0, CRVAL2=2.0,
                      CRPIX1=nx / 2, CRPIX2=ny / 2, CDELT1=-2.5 / 3600, CDELT2=2.5 / 3600,
                      CUNIT1="deg", CUNIT2="deg", INSTRUME="EPN")
    fits.PrimaryHDU(data, header).writeto(path, overwrite=True)
    return path


@pytest.fixture(scope="session")
def images(tmp_path_factory) -> dict[str, Path]:
    """Small counts/exposure images, good and broken, for ``selfunc detect``."""
    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(3)
    counts = rng.poisson(0.2, (128, 128)).astype(np.float32)
    exposure = np.full((128, 128), 1e4, np.float32)
    out = {"counts": write_image(folder / "counts.fits", counts),
           "exposure": write_image(folder / "exposure.fits", exposure)}
    nan = counts.copy()
    nan[10:20, 10:20] = np.nan
    out["nan_counts"] = write_image(folder / "nan_counts.fits", nan)
    neg = counts.copy()
    neg[64, 64] = -5
    out["neg_counts"] = write_image(folder / "neg_counts.fits", neg)
    inf_exp = exposure.copy()
    inf_exp[0, 0] = np.inf
    out["inf_exposure"] = write_image(folder / "inf_exposure.fits", inf_exp)
    neg_exp = exposure.copy()
    neg_exp[5, 5] = -1
    out["neg_exposure"] = write_image(folder / "neg_exposure.fits", neg_exp)
    out["small_exposure"] = write_image(folder / "small_exposure.fits", exposure[:64, :64])
    out["no_wcs"] = write_image(folder / "no_wcs.fits", counts, wcs=False)
    raw = out["counts"].read_bytes()
    (folder / "truncated.fits").write_bytes(raw[: len(raw) // 2])
    out["truncated"] = folder / "truncated.fits"
    (folder / "text.fits").write_text("SIMPLE = this is not a FITS file\n")
    out["text"] = folder / "text.fits"
    (folder / "empty.fits").write_bytes(b"")
    out["empty"] = folder / "empty.fits"
    from astropy.io import fits

    fits.PrimaryHDU().writeto(folder / "nodata.fits")
    out["nodata"] = folder / "nodata.fits"
    # A 40000² image: only its header is written (the pixels would be 1.6 GB); it must be
    # refused from the header, before the pixels are read.
    header = fits.Header([("SIMPLE", True), ("BITPIX", 8), ("NAXIS", 2), ("NAXIS1", 40000),
                          ("NAXIS2", 40000)])
    (folder / "huge.fits").write_bytes(header.tostring().encode() + b"\0" * 2880)
    out["huge"] = folder / "huge.fits"
    return out
