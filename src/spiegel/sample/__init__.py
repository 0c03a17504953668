"""The bundled synthetic sample: ten invented providers in jeugdregio Amsterdam-Amstelland, periods 2024H2 and
2025H1 (regenerate with ``spiegel synth --sample --out src/spiegel/sample/deliveries``).

The constants name the providers the notebooks, tests and docs rely on; ``verwachte_fouten.yml`` in the
deliveries folder lists the deliberate errors of :data:`FAULTY_PROVIDER` with their rows.
"""

from __future__ import annotations

from pathlib import Path

DELIVERIES: Path = Path(__file__).resolve().parent / "deliveries"
PERIODS: tuple[str, ...] = ("2024H2", "2025H1")
REFERENCE_PROVIDER = "91000011"  # clean, mid-size (a few hundred trajectories): the notebooks' default
FAULTY_PROVIDER = "91000022"  # 2025H1 holds deliberate errors of every validation group
CORRECTED_PROVIDER = "91000033"  # delivered 2025H1 twice: the second delivery is a correction
MISSING_PROVIDER = "91000044"  # registered, never delivered
HIDDEN_PROVIDERS = ("91000088", "91000100")  # register: gemeenten_mogen_inzien = nee (SPEC §10)
FAULTS: Path = DELIVERIES / "verwachte_fouten.yml"
