"""Decoders against their encoders and against hostile bytes.

Ground truth is the list of samples that went into the encoders: decoded samples
must match them (within 16-bit quantisation), no sample may be invented from
garbage, and lost samples must be counted exactly where the protocol numbers them.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gaitback.acquisition import movesense, protocol, witmotion_frames
from gaitback.acquisition.decoder_factory import make_decoder
from gaitback.acquisition.profiles import load_profile
from test_acq_support import ACC_TOL_MPS2, GYR_TOL_DPS, G

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def samples(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct samples (acc in g within +-4 g, gyro within +-500 dps)."""
    rng = np.random.default_rng(seed)
    return rng.uniform(-4, 4, (n, 3)), rng.uniform(-500, 500, (n, 3))


def binary_packets(
    n_packets: int, per: int, seed: int, start: int = 0
) -> tuple[list[bytes], np.ndarray, np.ndarray]:
    acc_g, gyr = samples(n_packets * per, seed)
    packets = [
        protocol.encode_packet(
            seq=k,
            sample_index=start + k * per,
            t_us=(start + k * per) * 5000,
            acc_g=acc_g[k * per : (k + 1) * per],
            gyr_dps=gyr[k * per : (k + 1) * per],
        )
        for k in range(n_packets)
    ]
    return packets, acc_g, gyr


def feed_chunks(decoder, data: bytes, cuts: list[int]):
    """Feed ``data`` split at ``cuts``; return (index, acc, gyr) concatenated."""
    bounds = sorted({0, len(data), *[c % (len(data) + 1) for c in cuts]})
    outs = [decoder.feed(data[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    index = np.concatenate([o.sample_index for o in outs]) if outs else np.zeros(0, int)
    acc = np.concatenate([o.acc_mps2 for o in outs]) if outs else np.zeros((0, 3))
    gyr = np.concatenate([o.gyr_dps for o in outs]) if outs else np.zeros((0, 3))
    return index, acc, gyr


def assert_matches(index, acc, gyr, acc_g_truth, gyr_truth, index_offset=0):
    """Every decoded sample equals the encoded sample with the same index."""
    truth_i = index - index_offset
    assert np.all((truth_i >= 0) & (truth_i < len(acc_g_truth)))
    np.testing.assert_allclose(acc, acc_g_truth[truth_i] * G, atol=ACC_TOL_MPS2, rtol=0)
    np.testing.assert_allclose(gyr, gyr_truth[truth_i], atol=GYR_TOL_DPS, rtol=0)


# ----------------------------------------------------------------------------- gaitback binary


def test_binary_packet_layout_matches_the_documented_format():
    packet = protocol.encode_packet(
        7, 1000, 123456, np.array([[1.0, 0, -1.0]]), np.array([[0.0, 1000, -2000]])
    )
    assert packet[:2] == b"\xa5\x5a" and packet[2] == 1 and packet[3] == 1
    assert len(packet) == 22 + 12 + 2
    assert int.from_bytes(packet[4:6], "little") == len(packet) - 6 - 2
    assert int.from_bytes(packet[6:8], "little") == 7
    assert int.from_bytes(packet[8:12], "little") == 1000
    assert int.from_bytes(packet[12:16], "little") == 123456
    raw = np.frombuffer(packet[22:34], "<i2")
    # 1 g at +-16 g full scale is 32768 / 16 counts; 1000 dps at 2000 is 16384.
    assert raw.tolist() == [2048, 0, -2048, 0, 16384, -32768]
    # CRC-16/CCITT-FALSE check value: "123456789" -> 0x29B1.
    assert protocol.crc16(b"123456789") == 0x29B1


@SETTINGS
@given(
    n_packets=st.integers(1, 30),
    per=st.integers(1, 16),
    cuts=st.lists(st.integers(0, 10_000), max_size=40),
    seed=st.integers(0, 1000),
)
def test_binary_any_chunking_decodes_every_sample(n_packets, per, cuts, seed):
    packets, acc_g, gyr = binary_packets(n_packets, per, seed, start=500)
    decoder = protocol.GaitbackBinaryDecoder()
    index, acc, gy = feed_chunks(decoder, b"".join(packets), cuts)
    assert index.tolist() == list(range(500, 500 + n_packets * per))
    assert_matches(index, acc, gy, acc_g, gyr, index_offset=500)
    assert decoder.total.lost_samples == 0 and decoder.total.bytes_skipped == 0


@SETTINGS
@given(
    keep=st.lists(st.booleans(), min_size=2, max_size=40),
    per=st.integers(1, 12),
    garbage=st.binary(max_size=40),
)
def test_binary_lost_packets_are_counted_exactly(keep, per, garbage):
    packets, acc_g, gyr = binary_packets(len(keep), per, seed=len(keep))
    kept = [k for k, flag in enumerate(keep) if flag]
    data = garbage + b"".join(packets[k] for k in kept)
    decoder = protocol.GaitbackBinaryDecoder()
    out = decoder.feed(data)
    if not kept:
        assert len(out) == 0
        return
    expected_lost = (kept[-1] - kept[0] + 1 - len(kept)) * per
    assert decoder.total.lost_samples == expected_lost
    assert sum(n for _, n in decoder.total.gaps) == expected_lost
    assert decoder.total.lost_packets == kept[-1] - kept[0] + 1 - len(kept)
    assert len(out) == len(kept) * per
    assert_matches(out.sample_index, out.acc_mps2, out.gyr_dps, acc_g, gyr)


@st.composite
def corruptions(draw, data: bytes):
    """A few random byte flips, deletions, insertions and a possible truncation."""
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "delete", "insert"]))
        pos = draw(st.integers(0, max(0, len(buf) - 1)))
        if kind == "flip" and buf:
            buf[pos] ^= draw(st.integers(1, 255))
        elif kind == "delete":
            del buf[pos : pos + draw(st.integers(1, 30))]
        else:
            buf[pos:pos] = draw(st.binary(min_size=1, max_size=30))
    if draw(st.booleans()):
        buf = buf[: draw(st.integers(0, len(buf)))]
    return bytes(buf)


@SETTINGS
@given(data=st.data(), cuts=st.lists(st.integers(0, 10_000), max_size=20))
def test_binary_corrupted_stream_invents_nothing(data, cuts):
    packets, acc_g, gyr = binary_packets(12, 8, seed=3)
    stream = data.draw(corruptions(b"".join(packets)))
    decoder = protocol.GaitbackBinaryDecoder()
    index, acc, gy = feed_chunks(decoder, stream, cuts)
    assert_matches(index, acc, gy, acc_g, gyr)
    assert np.all(np.diff(index) > 0)


@SETTINGS
@given(junk=st.binary(max_size=3000), cuts=st.lists(st.integers(0, 10_000), max_size=20))
def test_random_bytes_never_decode_for_checked_protocols(junk, cuts):
    for decoder in (protocol.GaitbackBinaryDecoder(), protocol.GaitbackTextDecoder()):
        index, _, _ = feed_chunks(decoder, junk, cuts)
        assert len(index) == 0


# ----------------------------------------------------------------------------- gaitback text


def text_stream(n: int, seed: int) -> tuple[bytes, np.ndarray, np.ndarray]:
    acc_g, gyr = samples(n, seed)
    lines = [protocol.encode_text_line(k, k * 10_000, acc_g[k], gyr[k]) for k in range(n)]
    return b"".join(lines), acc_g, gyr


def test_text_line_format():
    line = protocol.encode_text_line(5, 50_000, [0.0, 0.5, 1.0], [1.0, -2.0, 3.0])
    body, _, crc = line.strip().rpartition(b"*")
    assert body == b"5,50000,0.0000,0.5000,1.0000,1.000,-2.000,3.000"
    assert int(crc, 16) == protocol.crc16(body)
    # Simple sketches may leave the checksum out (when the profile allows it);
    # comment lines are ignored.
    unchecked = b"# hello\r\n7,70000,0,0,1,0,0,0\r\n"
    out = protocol.GaitbackTextDecoder(checksum="optional").feed(unchecked)
    assert out.sample_index.tolist() == [7]
    np.testing.assert_allclose(out.acc_mps2, [[0, 0, G]])
    assert len(protocol.GaitbackTextDecoder(checksum="required").feed(unchecked)) == 0
    # "auto" accepts unchecked lines only until it has seen a checksummed one.
    auto = protocol.GaitbackTextDecoder(checksum="auto")
    auto.feed(unchecked + line)
    assert len(auto.feed(b"8,80000,0,0,1,0,0,0\n")) == 0


@SETTINGS
@given(data=st.data(), cuts=st.lists(st.integers(0, 10_000), max_size=20))
def test_text_corrupted_stream_invents_nothing(data, cuts):
    stream, acc_g, gyr = text_stream(60, seed=4)
    corrupted = data.draw(corruptions(stream))
    decoder = make_decoder(load_profile("gaitback-text"))
    index, acc, gy = feed_chunks(decoder, corrupted, cuts)
    # Text carries 4 decimals of g and 3 of deg/s.
    truth = index
    np.testing.assert_allclose(acc, acc_g[truth] * G, atol=0.5e-4 * G + 1e-9)
    np.testing.assert_allclose(gy, gyr[truth], atol=0.5e-3 + 1e-9)


@SETTINGS
@given(keep=st.lists(st.booleans(), min_size=2, max_size=60))
def test_text_lost_lines_are_counted_exactly(keep):
    acc_g, gyr = samples(len(keep), 5)
    kept = [k for k, flag in enumerate(keep) if flag]
    data = b"".join(protocol.encode_text_line(k, k * 5000, acc_g[k], gyr[k]) for k in kept)
    decoder = protocol.GaitbackTextDecoder()
    decoder.feed(data)
    expected = (kept[-1] - kept[0] + 1 - len(kept)) if kept else 0
    assert decoder.total.lost_samples == expected


# ----------------------------------------------------------------------------- WitMotion serial


def test_witmotion_frame_matches_the_documented_layout():
    frames = witmotion_frames.encode_serial(
        np.array([[0.0, 0.0, 1.0]]), np.array([[0.0, 0.0, 0.0]])
    )
    acc_frame = frames[:11]
    assert acc_frame[0] == 0x55 and acc_frame[1] == 0x51
    assert acc_frame[10] == sum(acc_frame[:10]) & 0xFF
    # 1 g at the fixed 16 g full scale: 32768 / 16 = 2048 counts on z.
    assert int.from_bytes(acc_frame[6:8], "little", signed=True) == 2048


def test_witmotion_does_not_split_on_0x55_inside_data():
    # Raw values 0x5555 put 0x55 bytes inside the data; a naive split breaks there.
    acc_g = np.full((5, 3), 0x5555 / 32768 * 16)
    gyr = np.full((5, 3), 0x5551 / 32768 * 2000)
    data = witmotion_frames.encode_serial(acc_g, gyr, with_angles=True)
    assert data.count(b"\x55") > 3 * 5
    decoder = witmotion_frames.WitmotionSerialDecoder()
    out = decoder.feed(b"\x55\x51\x00" + data)  # a broken frame start in front
    assert len(out) == 5
    np.testing.assert_allclose(out.acc_mps2, acc_g * G, atol=ACC_TOL_MPS2)
    assert decoder.total.lost_samples == 0


def in_order_subset(acc, gyr, acc_truth_mps2, gyr_truth):
    """Each decoded sample equals an encoded one, in the encoded order."""
    pos = 0
    for a, g in zip(acc, gyr, strict=True):
        while pos < len(acc_truth_mps2) and not (
            np.all(np.abs(a - acc_truth_mps2[pos]) <= ACC_TOL_MPS2)
            and np.all(np.abs(g - gyr_truth[pos]) <= GYR_TOL_DPS)
        ):
            pos += 1
        assert pos < len(acc_truth_mps2), "decoded a sample that was never encoded"
        pos += 1


@SETTINGS
@given(data=st.data(), cuts=st.lists(st.integers(0, 10_000), max_size=20))
def test_witmotion_serial_corrupted_stream_invents_nothing(data, cuts):
    acc_g, gyr = samples(40, 6)
    stream = witmotion_frames.encode_serial(acc_g, gyr, with_angles=True)
    corrupted = data.draw(corruptions(stream))
    decoder = witmotion_frames.WitmotionSerialDecoder()
    _, acc, gy = feed_chunks(decoder, corrupted, cuts)
    in_order_subset(acc, gy, acc_g * G, gyr)


@SETTINGS
@given(junk=st.binary(max_size=3000), cuts=st.lists(st.integers(0, 10_000), max_size=20))
def test_witmotion_serial_random_bytes_do_not_crash(junk, cuts):
    feed_chunks(witmotion_frames.WitmotionSerialDecoder(), junk, cuts)


@SETTINGS
@given(drop=st.lists(st.integers(0, 59), max_size=10), cuts=st.lists(st.integers(0, 5000)))
def test_witmotion_serial_checksum_failures_leave_counted_gaps(drop, cuts):
    acc_g, gyr = samples(30, 7)
    frames = bytearray(witmotion_frames.encode_serial(acc_g, gyr))  # 2 frames per sample
    # One broken frame per sample: a sample whose acc AND gyro frames both vanish
    # leaves no trace in a format without sample numbers (documented limitation).
    # The first acc / last gyro cannot be told apart from a cut stream.
    broken = {f // 2: f for f in sorted(set(drop)) if f not in (0, 59)}
    for f in broken.values():
        frames[f * 11 + 5] ^= 0xFF
    decoder = witmotion_frames.WitmotionSerialDecoder()
    index, acc, gy = feed_chunks(decoder, bytes(frames), cuts)
    broken_samples = set(broken)
    assert decoder.total.lost_samples == len(broken_samples)
    assert sorted(index.tolist()) == sorted(set(range(30)) - broken_samples)
    assert_matches(index, acc, gy, acc_g, gyr)


# ----------------------------------------------------------------------------- BLE formats


@SETTINGS
@given(data=st.data(), junk=st.lists(st.binary(max_size=60), max_size=10))
def test_witmotion_ble_accepts_only_whole_packets(data, junk):
    acc_g, gyr = samples(20, 8)
    packets = witmotion_frames.encode_ble(acc_g, gyr)
    assert all(len(p) == 20 and p[:2] == b"\x55\x61" for p in packets)
    decoder = witmotion_frames.WitmotionBleDecoder()
    got_acc, got_gyr = [], []
    for k, packet in enumerate(packets):
        mode = data.draw(st.sampled_from(["whole", "truncated", "extended"]))
        if mode == "truncated":
            packet = packet[: data.draw(st.integers(0, 19))]
        elif mode == "extended":
            packet = packet + data.draw(st.binary(min_size=1, max_size=19))
        out = decoder.feed(packet)
        got_acc.append(out.acc_mps2)
        got_gyr.append(out.gyr_dps)
        if k < len(junk):
            out = decoder.feed(junk[k])
    in_order_subset(np.concatenate(got_acc), np.concatenate(got_gyr), acc_g * G, gyr)


def movesense_packets(n_packets: int, rate_hz: float = 104.0):
    rng = np.random.default_rng(9)
    acc = rng.uniform(-30, 30, (n_packets * 8, 3)).astype(np.float32).astype(float)
    gyr = rng.uniform(-500, 500, (n_packets * 8, 3)).astype(np.float32).astype(float)
    packets = [
        movesense.encode_packet(
            99,
            int(1_000_000 + k * 8 * 1000 / rate_hz),
            acc[k * 8 : k * 8 + 8],
            gyr[k * 8 : k * 8 + 8],
        )
        for k in range(n_packets)
    ]
    return packets, acc, gyr


def test_movesense_packet_layout():
    packets, acc, _ = movesense_packets(1)
    p = packets[0]
    assert p[0] == 2 and p[1] == 99 and len(p) == 6 + 8 * 6 * 4
    assert int.from_bytes(p[2:6], "little") == 1_000_000
    np.testing.assert_array_equal(np.frombuffer(p[6:30], "<f4"), acc[0:2].ravel()[:6])
    assert movesense.subscribe_command(99) == b"\x01\x63/Meas/IMU6/104"
    assert load_profile("movesense-ble").connect_commands[0] == movesense.subscribe_command(99)


@SETTINGS
@given(keep=st.lists(st.booleans(), min_size=2, max_size=200), junk=st.binary(max_size=50))
def test_movesense_lost_notifications_counted_from_timestamps(keep, junk):
    packets, acc, gyr = movesense_packets(len(keep))
    decoder = movesense.MovesenseDecoder(99, 104.0)
    outs = [decoder.feed(junk)]
    outs += [decoder.feed(p) for p, flag in zip(packets, keep, strict=True) if flag]
    kept = [k for k, flag in enumerate(keep) if flag]
    expected = (kept[-1] - kept[0] + 1 - len(kept)) * 8 if kept else 0
    assert decoder.total.lost_samples == expected
    index = np.concatenate([o.sample_index for o in outs])
    if kept:
        # Indices count from the first packet received: its samples are 0..7.
        np.testing.assert_array_equal(index // 8 + kept[0], np.repeat(kept, 8))
        truth = index + kept[0] * 8
        np.testing.assert_array_equal(np.concatenate([o.acc_mps2 for o in outs]), acc[truth])
        np.testing.assert_array_equal(np.concatenate([o.gyr_dps for o in outs]), gyr[truth])


@SETTINGS
@given(junk=st.lists(st.binary(max_size=300), max_size=20))
def test_ble_decoders_survive_random_notifications(junk):
    for decoder in (movesense.MovesenseDecoder(99, 104.0), witmotion_frames.WitmotionBleDecoder()):
        for chunk in junk:
            decoder.feed(chunk)


@pytest.mark.parametrize(
    "name",
    [
        "gaitback-serial",
        "gaitback-text",
        "gaitback-ble",
        "witmotion-wt901-serial",
        "witmotion-wt901-ble",
        "movesense-ble",
    ],
)
def test_every_profile_has_a_decoder_of_the_right_kind(name):
    profile = load_profile(name)
    decoder = make_decoder(profile)
    assert decoder.packetized == (profile.transport == "ble") or name == "gaitback-text"
