"""3-D cluster models observed through yt and pyxsim (the "pyxsim route").

* :mod:`selfunc.gas.profiles` — density and temperature of the built-in models (β or
  GNFW density, ellipsoids, cool core, merging clump), pure numpy;
* :mod:`selfunc.gas.builtin` — those models as yt datasets on nested grids;
* :mod:`selfunc.gas.emissivity` — the free-free physics of selfunc's own thermal table;
* :mod:`selfunc.gas.tables` — that table in the APEC file format pyxsim reads, built
  offline on first use and cached; or a user's real APEC table;
* :mod:`selfunc.gas.photons` — pyxsim photons of one cluster (built-in or a user's yt
  dataset), normalised to the drawn flux and projected on the sky.

The instrument side (effective area/ECF thinning, vignetting, PSF, chips) is
:mod:`selfunc.xray.photons`; which clusters take this route is decided in
:mod:`selfunc.sky.draw` from ``population.gas``. See ``docs/pyxsim.md``. yt and pyxsim are
imported only when a 3-D cluster is observed.
"""
