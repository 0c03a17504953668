"""Logic checks of the jeugdreclassering rule set: the shared GI checks for the prefix JR, and the rules of this
domain (20 and up). See spiegel.domains.gi.logic."""

from __future__ import annotations

import numpy as np

from spiegel.domains.gi.logic import JR_TYPES, register, valid, youth_known
from spiegel.validate.context import Context
from spiegel.validate.engine import logic

register({"JR": "jr"})

END_ITEMS = ("drp_einde", "zorg_einde", "erkende_interventie")


@logic("JR-V20")
def reason_31_other_type(ctx: Context) -> np.ndarray:
    f = ctx.cur
    reason = np.asarray(f.item("reden_beeindiging"), dtype=object)
    return (reason == "31") & f.type_in(JR_TYPES)


@logic("JR-V21")
def end_items_while_running(ctx: Context) -> np.ndarray:
    f = ctx.cur
    filled = np.logical_or.reduce([f.filled(c) for c in END_ITEMS])
    return f.type_in(JR_TYPES) & ~f.ended & filled


@logic("JR-V22")
def ended_without_interventie(ctx: Context) -> np.ndarray:
    f = ctx.cur
    return f.type_in(JR_TYPES) & f.ended & f.empty("erkende_interventie")


@logic("JR-V23")
def end_items_on_pjk(ctx: Context) -> np.ndarray:
    f = ctx.cur
    filled = np.logical_or.reduce([f.filled(c) for c in END_ITEMS])
    return f.type_in({"31"}) & filled


@logic("JR-D20")
def younger_than_12(ctx: Context) -> np.ndarray:
    f = ctx.cur
    day = f.birthday(12, "first")
    return f.type_in(JR_TYPES) & youth_known(f) & valid(day) & valid(f.s) & (day > f.s)


@logic("JR-D21")
def older_than_22(ctx: Context) -> np.ndarray:
    f = ctx.cur
    day = f.birthday(23, "last")
    return youth_known(f) & valid(day) & valid(f.s) & (day <= f.s)
