"""Acquisition: bytes from a device -> timed samples -> a recording.

Modules (only the transport backends import a device library):

- :mod:`~gaitback.acquisition.transport`: the :class:`Transport` interface, errors and
  :func:`open_transport` (backends: :mod:`~gaitback.acquisition.serial_port`, pyserial;
  :mod:`~gaitback.acquisition.ble`, bleak).
- :mod:`~gaitback.acquisition.profiles`: device profiles (``firmware_config/*.toml``).
- :mod:`~gaitback.acquisition.protocol`, :mod:`~gaitback.acquisition.witmotion`,
  :mod:`~gaitback.acquisition.movesense`: encoders and decoders;
  :func:`~gaitback.acquisition.decoders.make_decoder` picks one for a profile.
- :mod:`~gaitback.acquisition.timing`: host-clock fit on the lower envelope of arrivals.
- :mod:`~gaitback.acquisition.stream`: :class:`AcquisitionStream` (sample blocks and
  connection events, automatic reconnect).
- :mod:`~gaitback.acquisition.recorder`: incremental, crash-safe recording.
- :mod:`~gaitback.acquisition.calibration`: gyro bias and mount direction per device.
- :mod:`~gaitback.acquisition.emulator`: a recording played as a device on a pty.

See ``docs/acquisition.md``.
"""
