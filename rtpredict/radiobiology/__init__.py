"""Linear-quadratic (LQ) model, GARD and dose arithmetic, vectorised over NumPy arrays.

Every function broadcasts its arguments and returns a float for scalar input, else an array.
Input outside a formula's domain (RSI <= 0, a negative dose, beta < 0, ...) gives NaN and a
:class:`RadiobiologyWarning` that says how many values and why: never a number computed from
input that has none. NaN input gives NaN silently.

References
----------
- LQ model: SF(D) = exp(-alpha D - beta D^2); BED = n d (1 + d / (alpha/beta));
  EQD2 = n d (d + alpha/beta) / (2 + alpha/beta).
- GARD: Scott JG et al., Lancet Oncol 2017;18:202 (DOI 10.1016/S1470-2045(16)30648-9) and
  Scott JG et al., Lancet Oncol 2021 (pooled analysis): beta = 0.05 Gy^-2,
  alpha = ln(RSI) / (-2) - 2 beta (RSI read as SF at 2 Gy), GARD = n d (alpha + beta d).
- Fitting: RadioGx (Manem VSK et al., Cancer Res 2019) conventions: -ln SF = alpha D + beta D^2
  by least squares with 0 <= alpha, beta <= 1, surviving fractions above 1 kept.
"""

from rtpredict.radiobiology._domain import RadiobiologyWarning
from rtpredict.radiobiology._fit import fit_lq
from rtpredict.radiobiology._fractionation import bed, eqd2
from rtpredict.radiobiology._gard import GARD_BETA, alpha_from_rsi, fractions_for_gard, gard
from rtpredict.radiobiology._lq import d10, dose_for_sf, mid, sf, sf2

__all__ = [
    "GARD_BETA",
    "RadiobiologyWarning",
    "alpha_from_rsi",
    "bed",
    "d10",
    "dose_for_sf",
    "eqd2",
    "fit_lq",
    "fractions_for_gard",
    "gard",
    "mid",
    "sf",
    "sf2",
]
