"""Acquisition: bytes from a device -> timed samples -> a recording.

Modules (only the transport backends import a device library):

- :mod:`~gaitback.acquisition.transport`: the :class:`Transport` interface, errors and
  :func:`open_transport` (backends: :mod:`~gaitback.acquisition.serial_port`, pyserial;
  :mod:`~gaitback.acquisition.ble`, bleak).
- :mod:`~gaitback.acquisition.profiles`: device profiles (``firmware_config/*.toml``).
- :mod:`~gaitback.acquisition.decoder_base`: the :class:`Decoder` base class, the
  :class:`Samples` it returns and the counter bookkeeping decoders share.
- :mod:`~gaitback.acquisition.protocol`, :mod:`~gaitback.acquisition.witmotion_frames`,
  :mod:`~gaitback.acquisition.movesense`: encoders and decoders, one module per wire format;
  :func:`~gaitback.acquisition.decoder_factory.make_decoder` picks one for a profile.
- :mod:`~gaitback.acquisition.timing`: host-clock fit on the lower envelope of arrivals.
- :mod:`~gaitback.acquisition.stream`: :class:`AcquisitionStream` (sample blocks and
  connection events, automatic reconnect).
- :mod:`~gaitback.acquisition.recorder`: incremental, crash-safe recording.
- :mod:`~gaitback.acquisition.calibration`: gyro bias and mount direction per device.
- :mod:`~gaitback.acquisition.emulator`: a recording played as a device on a pty.

Command-line options and messages live in :mod:`gaitback.cli.device_options`.

See ``docs/acquisition.md``.
"""
