"""Pick the decoder a device profile names."""

from __future__ import annotations

from gaitback.acquisition.decoder_base import Decoder
from gaitback.acquisition.movesense import MovesenseDecoder
from gaitback.acquisition.profiles import DeviceProfile
from gaitback.acquisition.protocol import GaitbackBinaryDecoder, GaitbackTextDecoder
from gaitback.acquisition.witmotion_frames import WitmotionBleDecoder, WitmotionSerialDecoder


def make_decoder(profile: DeviceProfile, packetized: bool | None = None) -> Decoder:
    """A fresh decoder for ``profile``.

    Parameters
    ----------
    packetized
        Whether each read is one device packet (a BLE notification); defaults to
        ``profile.transport == "ble"``.
    """
    if packetized is None:
        packetized = profile.transport == "ble"
    match profile.protocol:
        case "gaitback-binary":
            return GaitbackBinaryDecoder(profile.has_gyro, packetized=packetized)
        case "gaitback-text":
            return GaitbackTextDecoder(
                profile.has_gyro,
                sample_rate_hz=profile.sample_rate_hz,
                checksum=profile.text_checksum,
            )
        case "witmotion-serial":
            return WitmotionSerialDecoder(profile.has_gyro)
        case "witmotion-ble":
            return WitmotionBleDecoder(profile.has_gyro)
        case "movesense":
            return MovesenseDecoder(profile.movesense_ref, profile.sample_rate_hz, profile.has_gyro)
    raise ValueError(f"no decoder for protocol {profile.protocol!r}")
