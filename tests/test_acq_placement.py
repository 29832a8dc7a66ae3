"""Every sample the device sent is recorded at its true time or counted lost (issue 13).

Ground truth is built here: the samples encoded, which packets were delivered, which
were delivered twice, which were corrupted. For each decoder the test asserts that
every decoded sample sits at its true index (relative to the first one recorded),
that nothing is decoded twice or invented, that the samples not delivered between
the first and the last recorded are exactly the ones counted lost, and that every
repeat is counted as a duplicate.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gaitback.acquisition import movesense, protocol, witmotion_frames
from gaitback.acquisition.decoder_base import CounterUnwrap
from test_acq_support import ACC_TOL_MPS2, GYR_TOL_DPS, G

SETTINGS = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

#: What happens to each packet: delivered, never delivered, or delivered twice.
FATES = st.sampled_from(["ok", "ok", "ok", "lost", "twice"])


def truth_samples(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(-4, 4, (n, 3)), rng.uniform(-500, 500, (n, 3))


def deliveries(fates: list[str], repeat_after: list[int]) -> list[int]:
    """Packet numbers in arrival order: a repeat comes 0-3 packets after its original."""
    order: list[tuple[float, int]] = []
    for k, fate in enumerate(fates):
        if fate == "lost":
            continue
        order.append((k, k))
        if fate == "twice":
            order.append((k + repeat_after[k % len(repeat_after)] + 0.5, k))
    return [k for _, k in sorted(order)]


def feed_in_chunks(decoder, data: bytes, cuts: list[int]):
    bounds = sorted({0, len(data), *[c % (len(data) + 1) for c in cuts]})
    return [decoder.feed(data[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def joined(outs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    index = np.concatenate([o.sample_index for o in outs])
    acc = np.concatenate([o.acc_mps2 for o in outs])
    gyr = np.concatenate([o.gyr_dps for o in outs])
    return index, acc, gyr


def assert_placed(index, acc, gyr, delivered_true, acc_g, gyr_truth, decoder):
    """Decoded samples = the delivered true samples, each at its true index."""
    first = int(delivered_true[0])
    assert np.all(np.diff(index) > 0), "a sample decoded twice or out of order"
    true_index = index - index[0] + first
    np.testing.assert_array_equal(true_index, delivered_true)
    np.testing.assert_allclose(acc, acc_g[true_index] * G, atol=ACC_TOL_MPS2, rtol=0)
    np.testing.assert_allclose(gyr, gyr_truth[true_index], atol=GYR_TOL_DPS, rtol=0)
    span = int(delivered_true[-1]) - first + 1
    assert decoder.total.lost_samples == span - len(delivered_true)
    assert sum(n for _, n in decoder.total.gaps) == span - len(delivered_true)
    assert decoder.total.resets == 0


def wrap_start(draw_offset: int, modulus: int) -> int:
    """A first counter value just below the wrap, so most runs cross it."""
    return modulus - draw_offset


# ----------------------------------------------------------------------------- gaitback binary


@SETTINGS
@given(
    fates=st.lists(FATES, min_size=2, max_size=30),
    repeat_after=st.lists(st.integers(0, 3), min_size=1, max_size=5),
    per=st.integers(1, 8),
    before_wrap=st.integers(1, 200),
    cuts=st.lists(st.integers(0, 20_000), max_size=15),
)
def test_binary_every_sample_placed_or_counted(fates, repeat_after, per, before_wrap, cuts):
    fates[0] = fates[-1] = "ok"
    start = wrap_start(before_wrap, 2**32)
    acc_g, gyr = truth_samples(len(fates) * per, 11)
    packets = [
        protocol.encode_packet(
            k,
            start + k * per,
            (start + k * per) * 5000,
            acc_g[k * per : (k + 1) * per],
            gyr[k * per : (k + 1) * per],
        )
        for k in range(len(fates))
    ]
    arrival = deliveries(fates, repeat_after)
    decoder = protocol.GaitbackBinaryDecoder()
    outs = feed_in_chunks(decoder, b"".join(packets[k] for k in arrival), cuts)
    delivered = sorted(set(arrival))
    delivered_true = np.concatenate([np.arange(k * per, (k + 1) * per) for k in delivered])
    assert_placed(*joined(outs), delivered_true, acc_g, gyr, decoder)
    assert decoder.total.duplicates == (len(arrival) - len(delivered)) * per
    assert decoder.total.lost_packets == delivered[-1] - delivered[0] + 1 - len(delivered)


# ----------------------------------------------------------------------------- gaitback text


@SETTINGS
@given(
    fates=st.lists(FATES, min_size=2, max_size=60),
    repeat_after=st.lists(st.integers(0, 3), min_size=1, max_size=5),
    before_wrap=st.integers(1, 100),
    cuts=st.lists(st.integers(0, 20_000), max_size=15),
)
def test_text_every_line_placed_or_counted(fates, repeat_after, before_wrap, cuts):
    fates[0] = fates[-1] = "ok"
    start = wrap_start(before_wrap, 2**32)
    acc_g, gyr = truth_samples(len(fates), 12)
    lines = [
        protocol.encode_text_line((start + k) % 2**32, (k * 5000) % 2**32, acc_g[k], gyr[k])
        for k in range(len(fates))
    ]
    arrival = deliveries(fates, repeat_after)
    decoder = protocol.GaitbackTextDecoder(sample_rate_hz=200.0)
    outs = feed_in_chunks(decoder, b"".join(lines[k] for k in arrival), cuts)
    delivered = np.array(sorted(set(arrival)))
    # Text keeps 4 decimals of g and 3 of deg/s.
    index, acc, gy = joined(outs)
    assert np.all(np.diff(index) > 0)
    np.testing.assert_array_equal(index - index[0] + delivered[0], delivered)
    np.testing.assert_allclose(acc, acc_g[delivered] * G, atol=0.5e-4 * G + 1e-6, rtol=0)
    np.testing.assert_allclose(gy, gyr[delivered], atol=0.5e-3 + 1e-6, rtol=0)
    span = delivered[-1] - delivered[0] + 1
    assert decoder.total.lost_samples == span - len(delivered)
    assert decoder.total.duplicates == len(arrival) - len(delivered)
    assert decoder.total.resets == 0


# ----------------------------------------------------------------------------- movesense


RATE_MS_HZ = 104.0
PER_MS = 8


def movesense_stream(n_packets: int, start_ms: int):
    acc, gyr = truth_samples(n_packets * PER_MS, 13)
    acc_mps2 = acc * G
    packets = [
        movesense.encode_packet(
            99,
            start_ms + int(round(k * PER_MS * 1000 / RATE_MS_HZ)),
            acc_mps2[k * PER_MS : (k + 1) * PER_MS],
            gyr[k * PER_MS : (k + 1) * PER_MS],
        )
        for k in range(n_packets)
    ]
    return packets, acc, gyr


@SETTINGS
@given(
    fates=st.lists(FATES, min_size=2, max_size=40),
    repeat_after=st.lists(st.integers(0, 3), min_size=1, max_size=5),
    before_wrap_ms=st.integers(1, 2000),
    with_host_clock=st.booleans(),
)
def test_movesense_every_sample_placed_or_counted(
    fates, repeat_after, before_wrap_ms, with_host_clock
):
    """Across the 2**32 ms wrap too (49.7 days of sensor uptime)."""
    fates[0] = fates[-1] = "ok"
    packets, acc, gyr = movesense_stream(len(fates), wrap_start(before_wrap_ms, 2**32))
    arrival = deliveries(fates, repeat_after)
    decoder = movesense.MovesenseDecoder(99, RATE_MS_HZ)
    outs = []
    for j, k in enumerate(arrival):
        # A notification arrives a little after its last sample exists.
        host_s = 100.0 + ((k + 1) * PER_MS) / RATE_MS_HZ + 0.003 * j
        outs.append(decoder.feed(packets[k], host_s if with_host_clock else None))
    delivered = sorted(set(arrival))
    delivered_true = np.concatenate(
        [np.arange(k * PER_MS, (k + 1) * PER_MS) for k in delivered]
    )
    # Movesense sends m/s^2 as float32: tolerance is float32 rounding, not 16-bit.
    index, got_acc, got_gyr = joined(outs)
    true_index = index - index[0] + delivered_true[0]
    assert np.all(np.diff(index) > 0)
    np.testing.assert_array_equal(true_index, delivered_true)
    np.testing.assert_allclose(got_acc, acc[true_index] * G, rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(got_gyr, gyr[true_index], rtol=1e-6, atol=1e-4)
    span = int(delivered_true[-1] - delivered_true[0] + 1)
    assert decoder.total.lost_samples == span - len(delivered_true)
    assert decoder.total.duplicates == (len(arrival) - len(delivered)) * PER_MS
    assert decoder.total.resets == 0


def test_movesense_clock_wrap_adds_no_phantom_loss():
    """The reported case: a clean stream across the wrap loses nothing (it lost 4.5e8
    samples per packet before)."""
    packets, _, _ = movesense_stream(60, 2**32 - 1000)
    decoder = movesense.MovesenseDecoder(99, RATE_MS_HZ)
    index = np.concatenate([decoder.feed(p).sample_index for p in packets])
    np.testing.assert_array_equal(index, np.arange(60 * PER_MS))
    assert decoder.total.lost_samples == 0 and decoder.total.resets == 0


def test_a_forward_jump_the_host_clock_rules_out_is_a_restart():
    """A timestamp 1e6 ms ahead, 77 ms after the last packet by the host clock: the
    gap comes from the host clock (about 0 samples), not from the device's clock."""
    packets, _, _ = movesense_stream(4, 5000)
    jumped = movesense.encode_packet(
        99, 5000 + 3 * 77 + 10**6, np.zeros((PER_MS, 3)), np.zeros((PER_MS, 3))
    )
    decoder = movesense.MovesenseDecoder(99, RATE_MS_HZ)
    hosts = [10.0 + (k + 1) * PER_MS / RATE_MS_HZ for k in range(4)]
    index = [decoder.feed(p, h).sample_index for p, h in zip(packets[:3], hosts, strict=False)]
    index.append(decoder.feed(jumped, hosts[3]).sample_index)
    np.testing.assert_array_equal(np.concatenate(index), np.arange(4 * PER_MS))
    assert decoder.total.resets == 1 and decoder.total.lost_samples == 0
    # Without a host clock the same jump is believed: that is what the check is for.
    blind = movesense.MovesenseDecoder(99, RATE_MS_HZ)
    for p in (*packets[:3], jumped):
        blind.feed(p)
    assert blind.total.lost_samples > 10**5


def test_a_large_backwards_jump_is_a_restart_not_a_duplicate():
    """Counter from 100000 back to 0 (device restarted): kept, numbered on, one reset."""
    acc_g, gyr = truth_samples(16, 14)
    first = protocol.encode_packet(0, 100_000, 0, acc_g[:8], gyr[:8])
    after_restart = protocol.encode_packet(0, 0, 0, acc_g[8:], gyr[8:])
    decoder = protocol.GaitbackBinaryDecoder()
    index = np.concatenate(
        [decoder.feed(first).sample_index, decoder.feed(after_restart).sample_index]
    )
    np.testing.assert_array_equal(index, 100_000 + np.arange(16))
    assert decoder.total.resets == 1 and decoder.total.duplicates == 0


def test_counter_unwrap_is_modular():
    unwrap = CounterUnwrap(2**16)
    values = [unwrap(v % 2**16) for v in range(65_530, 65_545)]
    assert values == list(range(65_530, 65_545))
    assert unwrap(65_540 % 2**16) == 65_540  # a step back stays a step back


# ----------------------------------------------------------------------------- witmotion serial


CORRUPTIONS = st.sampled_from(["ok", "ok", "ok", "acc", "gyro", "both", "all"])


@SETTINGS
@given(
    damage=st.lists(CORRUPTIONS, min_size=2, max_size=60),
    flips=st.lists(st.tuples(st.integers(2, 9), st.integers(1, 255)), min_size=1, max_size=4),
    with_angles=st.booleans(),
    cuts=st.lists(st.integers(0, 20_000), max_size=15),
)
def test_witmotion_every_sample_placed_or_counted(damage, flips, with_angles, cuts):
    """Frames corrupted in place (the bytes arrive, their checksum fails): a sample
    with a bad acc or gyro frame, or both, or all three, is counted lost and every
    later sample keeps its true index."""
    damage[0] = damage[-1] = "ok"
    acc_g, gyr = truth_samples(len(damage), 15)
    frames = bytearray(witmotion_frames.encode_serial(acc_g, gyr, with_angles=with_angles))
    per_sample = 3 if with_angles else 2
    which = {"acc": [0], "gyro": [1], "both": [0, 1], "all": list(range(per_sample))}
    for k, kind in enumerate(damage):
        for f_i, j in enumerate(which.get(kind, [])):
            offset, value = flips[(k + f_i) % len(flips)]
            start = (k * per_sample + j) * witmotion_frames.FRAME
            frames[start + offset] ^= value  # a data byte: the 8-bit sum no longer matches
    decoder = witmotion_frames.WitmotionSerialDecoder()
    outs = feed_in_chunks(decoder, bytes(frames), cuts)
    kept = np.array([k for k, kind in enumerate(damage) if kind == "ok"])
    assert_placed(*joined(outs), kept, acc_g, gyr, decoder)
    assert decoder.total.lost_samples == len(damage) - len(kept)
