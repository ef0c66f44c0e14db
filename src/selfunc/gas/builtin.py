"""Built-in 3-D cluster models as yt datasets on nested grids.

The model (:mod:`selfunc.gas.profiles`) is sampled at cell centres on ``levels`` nested
cubic grids of ``cells``³ cells, each level covering the central half of its parent at
twice the resolution (a yt stream AMR dataset, so yt counts each volume once, on its
finest level). The outer box has half-size ``extent × truncation × r_c``; the innermost
cell is 2·extent·truncation·r_c / (cells · 2^(levels−1)) across (0.12 r_c by default),
fine enough that placing photons uniformly in a cell (as pyxsim does) is invisible under
the EPIC PSF. Gas beyond the box's inscribed sphere is given a temperature below the
table (no emission), so the emitting volume is a sphere, not a cube.

The density normalisation is nominal (n₀ = 10⁻³ cm⁻³ of gas of mean molecular mass
``MU``): clusters are normalised to their drawn flux when observed (a template, as the
analytic β-models). Velocities are zero.
"""

from __future__ import annotations

import numpy as np

from selfunc.gas import profiles

__all__ = ["dataset", "N0", "COLD_KELVIN"]

N0 = 1e-3  # cm⁻³, nominal central gas density
MU = 0.6  # mean mass per particle in units of m_p (ionised primordial-like gas)
_MP = 1.67262192e-24  # g
KEV_K = 1.160451812e7
COLD_KELVIN = 1e4  # below any table: such gas emits nothing in X-rays


def dataset(model, *, core_radius_kpc: float, kt: float, beta: float, truncation: float,
            cells: int, levels: int, extent: float):
    """A yt dataset of ``model`` (a :class:`~selfunc.config.models.GasModel`) centred on the
    origin (the main halo's centre); its code length is the box half-size (kpc known to yt)."""
    import yt

    half = extent * truncation  # box half-size in core radii
    grids = []
    for level in range(levels):
        h = half / 2**level
        step = 2 * h / cells
        g = (np.arange(cells) + 0.5) * step - h
        x, y, z = np.meshgrid(g, g, g, indexing="ij")
        inside = x**2 + y**2 + z**2 <= half**2
        n = profiles.density(x, y, z, model, beta)
        t = profiles.temperature(x, y, z, model, beta, kt) * KEV_K
        rho = np.where(inside, n * N0 * MU * _MP, 1e-10 * N0 * MU * _MP)
        temp = np.where(inside, t, COLD_KELVIN)
        zero = np.zeros_like(rho)
        # Code units put the box at [−1, 1]: level edges ±2^−level are exact binary
        # fractions, as yt's alignment check (exact equality with parent cell edges) needs.
        edge = 1.0 / 2**level
        grids.append(dict(left_edge=[-edge] * 3, right_edge=[edge] * 3, level=level,
                          dimensions=[cells] * 3, density=(rho, "g/cm**3"),
                          temperature=(temp, "K"), velocity_x=(zero, "cm/s"),
                          velocity_y=(zero, "cm/s"), velocity_z=(zero, "cm/s")))
    box = half * core_radius_kpc
    return yt.load_amr_grids(grids, [cells] * 3, bbox=np.array([[-1.0, 1.0]] * 3),
                             length_unit=(box, "kpc"), default_species_fields="ionized",
                             refine_by=2)
