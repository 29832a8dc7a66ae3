"""FIT files: a run written as a FIT activity, and a watch's FIT run read and compared.

- :mod:`~gaitback.fitfiles.dynamics` — running dynamics per second of running (pure).
- :mod:`~gaitback.fitfiles.write` — the FIT activity, with fit-tool.
- :mod:`~gaitback.fitfiles.read` — a watch's records, with fitdecode.
- :mod:`~gaitback.fitfiles.compare` — the two side by side (pure).
- :mod:`~gaitback.fitfiles.run` — glue from an ``AnalysisResult`` (the only I/O).

Field units and scales: ``docs/importing.md`` (FIT files).
"""
