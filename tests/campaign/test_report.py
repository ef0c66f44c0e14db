"""The end-to-end campaign (every stage, the shipped CNN model) writes report.html, and its
images render in headless Chromium."""

import html.parser
import os
import shutil
import subprocess

import pytest

from selfunc.cli import main

CONFIG = """
instrument = { preset = "epic", npix = 384 }
survey = "xclass10"
population = { preset = "grid", grid = { n_per_pointing = 8, flux = { min = 1e-14, max = 2e-13 } } }
detection = "xamin"
optical = "dss2_red"
[campaign]
name = "report-test"
seed = 4
n_pointings = 3
selection = "C1"
stages = ["sky", "xray", "optical", "detect", "stamps", "cnn", "fit", "report"]
"""

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--allow-file-access-from-files"]


class _Images(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.src = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.src.append(dict(attrs)["src"])


def chromium():
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("SELFUNC_REQUIRE_CHROMIUM"):
            pytest.fail("chromium is required here (SELFUNC_REQUIRE_CHROMIUM is set) but absent")
        pytest.skip("headless Chromium is not installed (apt-get install chromium); .ci/run installs it")
    return exe


@pytest.mark.slow
def test_campaign_report_images_render_in_chromium(tmp_path):
    exe = chromium()
    cfg = tmp_path / "c.toml"
    cfg.write_text(CONFIG)
    out = tmp_path / "run"
    assert main(["simulate", str(cfg), "--out", str(out), "--workers", "1"]) == 0
    page = out / "report.html"
    assert page.is_file() and (out / "selection.h5").is_file()
    parser = _Images()
    parser.feed(page.read_text())
    assert len(parser.src) >= 4  # plots and stamps
    # A checker page next to the report loads the same images and records, after load,
    # whether each decoded to a non-empty picture; Chromium prints the resulting DOM.
    imgs = "".join(f'<img src="{s}">' for s in parser.src)
    (out / "check.html").write_text(
        "<html><body>" + imgs + "<script>window.addEventListener('load', () => {"
        "for (const im of document.images) { const p = document.createElement('p');"
        "p.className = 'result'; p.textContent = im.getAttribute('src') + ' ' +"
        "(im.complete && im.naturalWidth > 0 ? 'OK' : 'BROKEN'); document.body.append(p); }"
        "});</script></body></html>")
    dom = subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chrome'}",
                          "--virtual-time-budget=10000", "--dump-dom",
                          (out / "check.html").as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    results = [line for line in dom.split("<p") if 'class="result"' in line]
    assert len(results) == len(parser.src), dom[-2000:]
    assert all(" OK</p>" in r for r in results), [r for r in results if "OK" not in r]
    text = page.read_text()
    for needle in ("Candidates", "Selection function", "completeness_curves", "true C1 clusters",
                   "CNN screening (selfunc&#x27;s default model)", "Network inputs"):
        assert needle in text
    assert any(s.startswith("report/cnn_") for s in parser.src)  # the network's composites
