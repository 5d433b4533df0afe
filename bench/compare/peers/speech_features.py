"""The NumPy side of the speech rows of bench:compare: log-mel features of the 2,000 isolated spoken-digit
clips with numpy.fft.rfft, the pipeline a Python user writes by hand (frames by stride tricks, a periodic
Hann window, rfft, power, a mel matrix product, log). numpy's FFT runs one thread whatever the setting."""
import glob
import os
import wave

import numpy as np


REPO_ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))


def load_clips(samples):
    """Every clip of data/spoken_digits/isolated as [clips, samples] float32 in [-1, 1], cut or zero-padded."""
    files = sorted(glob.glob(os.path.join(REPO_ROOT, "data", "spoken_digits", "isolated", "*", "*", "*.wav")))
    clips = np.zeros((len(files), samples), dtype=np.float32)
    for i, name in enumerate(files):
        with wave.open(name) as audio:
            pcm = np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2")[:samples]
        clips[i, : len(pcm)] = pcm / 32768.0
    return clips


def mel_matrix(bins, mel_bins, sample_rate, lower, upper):
    """[bins, mel_bins] triangles on the HTK mel scale (tf.signal.linear_to_mel_weight_matrix's formula)."""
    def mel(hz):
        return 1127.0 * np.log1p(hz / 700.0)

    spectrum_mel = mel(np.linspace(0.0, sample_rate / 2.0, bins))[1:]
    edges = np.linspace(mel(lower), mel(upper), mel_bins + 2)
    low, centre, high = edges[:-2], edges[1:-1], edges[2:]
    rising = (spectrum_mel[:, None] - low) / (centre - low)
    falling = (high - spectrum_mel[:, None]) / (high - centre)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    return np.pad(weights, [[1, 0], [0, 0]]).astype(np.float32)


def setup_log_mel(p, task_class):
    clips = load_clips(p["samples"])[: p["clips"]]
    frame, step, fft = p["frameLength"], p["frameStep"], p["fftLength"]
    window = (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(frame) / frame)).astype(np.float32)
    mel = mel_matrix(fft // 2 + 1, p["melBins"], p["sampleRate"], p["lowerHertz"], p["upperHertz"])

    def batch_features(batch):
        frames = np.lib.stride_tricks.sliding_window_view(batch, frame, axis=1)[:, ::step] * window
        spectrum = np.fft.rfft(frames, n=fft, axis=-1)
        power = spectrum.real ** 2 + spectrum.imag ** 2
        return np.log(power.astype(np.float32) @ mel + 1e-6)

    def features():  # in batches of p["batch"] clips, as Dendrite's side
        return np.concatenate([batch_features(clips[i : i + p["batch"]]) for i in range(0, len(clips), p["batch"])])

    first = features()
    expected = (len(clips), 1 + (p["samples"] - frame) // step, p["melBins"])
    if first.shape != expected or not np.isfinite(first).all():
        raise ValueError("log-mel features of shape %s, expected %s" % (first.shape, expected))

    def run(iterations, _repetition):
        for _ in range(iterations):
            features()

    return task_class(len(clips), run)
