"""Known sample streams in the gaitback binary protocol, with their exact expected values."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaitback.acquisition.protocol import encode_packet
from gaitback.schema import STANDARD_GRAVITY_MPS2


@dataclass
class KnownStream:
    """Packets and the samples they carry, in the units a decoder must return."""

    packets: list[bytes]
    acc_mps2: np.ndarray
    gyr_dps: np.ndarray
    samples_per_packet: int

    def samples_of(self, packet_indices: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sample indices, acc and gyro carried by the given packets, in order."""
        n = self.samples_per_packet
        index = np.concatenate(
            [np.arange(p * n, (p + 1) * n) for p in packet_indices] or [np.zeros(0, int)]
        ).astype(np.int64)
        return index, self.acc_mps2[index], self.gyr_dps[index]


def known_stream(
    n_packets: int,
    samples_per_packet: int,
    sample_rate_hz: int,
    seed: int,
    acc_range_g: int = 16,
    gyro_range_dps: int = 2000,
) -> KnownStream:
    """Random int16 readings packed with the protocol's encoder.

    The readings are drawn as raw counts, so the physical values a decoder must
    produce are known exactly from the protocol's scale definition
    (``value = raw / 32768 * range``), independently of the decoder.
    """
    rng = np.random.default_rng(seed)
    n = n_packets * samples_per_packet
    acc_raw = rng.integers(-32768, 32768, size=(n, 3))
    gyr_raw = rng.integers(-32768, 32768, size=(n, 3))
    acc_g = acc_raw / 32768.0 * acc_range_g
    gyr_dps = gyr_raw / 32768.0 * gyro_range_dps
    packets = []
    for p in range(n_packets):
        rows = slice(p * samples_per_packet, (p + 1) * samples_per_packet)
        first = p * samples_per_packet
        packets.append(
            encode_packet(
                seq=p,
                sample_index=first,
                t_us=round(first * 1e6 / sample_rate_hz),
                acc_g=acc_g[rows],
                gyr_dps=gyr_dps[rows],
                sample_rate_hz=sample_rate_hz,
                acc_range_g=acc_range_g,
                gyro_range_dps=gyro_range_dps,
            )
        )
    return KnownStream(
        packets=packets,
        acc_mps2=acc_g * STANDARD_GRAVITY_MPS2,
        gyr_dps=gyr_dps,
        samples_per_packet=samples_per_packet,
    )
