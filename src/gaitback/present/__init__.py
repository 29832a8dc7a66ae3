"""Everything a person reads: the session report, the history page, plots, terminal text,
the live dashboard.

One number formatter and one "missing" symbol (:mod:`gaitback.numbers`), one
catalogue of metric labels, units and typical ranges (:mod:`gaitback.present.catalogue`).
"""
