"""PyTorch peer for bench/compare: the same JSON-lines protocol as lib/worker.mjs.

Run by run.mjs with the system python3 (Debian's python3-torch), one process per thread count, with
OMP_NUM_THREADS / OPENBLAS_NUM_THREADS set to that count and, for the "pytorch-tuned" engine,
OPENBLAS_CORETYPE=Cooperlake (OpenBLAS 0.3.21 does not recognise this CPU and otherwise picks a slow
generic kernel) and OMP_WAIT_POLICY=PASSIVE (see lib/engines.mjs). Usage: python3 torch_peer.py <engine> <threads>
"""
import ctypes
import json
import os
import sys
import time

import speech_features

PREFIX = "@@compare "
ENGINE, THREADS = sys.argv[1], int(sys.argv[2])
protocol_out = sys.stdout
sys.stdout = sys.stderr  # anything a library prints stays off the protocol channel

torch = None
task = None
iterations_per_rep = 1


def reply(message):
    protocol_out.write(PREFIX + json.dumps(message) + "\n")
    protocol_out.flush()


def blas_details():
    """Which BLAS Debian's alternatives give torch, and which OpenBLAS kernel it chose."""
    details = {}
    for path in ("/usr/lib/x86_64-linux-gnu/libblas.so.3", "/usr/lib/aarch64-linux-gnu/libblas.so.3"):
        if os.path.exists(path):
            details["libblas"] = os.path.realpath(path)
            try:
                library = ctypes.CDLL(path)
                library.openblas_get_corename.restype = ctypes.c_char_p
                library.openblas_get_config.restype = ctypes.c_char_p
                details["openblasCore"] = library.openblas_get_corename().decode()
                details["openblasConfig"] = library.openblas_get_config().decode().strip()
            except (OSError, AttributeError):
                details["openblasCore"] = None
            break
    details["OPENBLAS_CORETYPE"] = os.environ.get("OPENBLAS_CORETYPE")
    return details


def op_open(_request):
    global torch
    import torch as torch_module  # noqa: PLC0415 - the import is what may fail, and is reported

    torch = torch_module
    torch.set_num_threads(THREADS)
    blas = blas_details()
    notes = []
    if "openblas" not in blas.get("libblas", ""):
        notes.append(
            "libblas.so.3 is not OpenBLAS (%s): install libopenblas0 for a representative PyTorch" % blas.get("libblas")
        )
    if blas.get("openblasCore"):
        notes.append("OpenBLAS kernel: %s" % blas["openblasCore"])
    return {
        "engine": ENGINE,
        "version": "torch %s (python %s)" % (torch.__version__, sys.version.split()[0]),
        "threads": torch.get_num_threads(),
        "notes": notes,
        "blas": blas,
    }


def mlp(sizes, output=None):
    layers = []
    for i in range(1, len(sizes)):
        linear = torch.nn.Linear(sizes[i - 1], sizes[i])
        torch.nn.init.xavier_uniform_(linear.weight)  # Glorot-uniform, as Keras
        torch.nn.init.zeros_(linear.bias)
        layers.append(linear)
        if i < len(sizes) - 1:
            layers.append(torch.nn.ReLU())
    if output is not None:
        layers.append(output)
    return torch.nn.Sequential(*layers)


def uniform(*shape, low=-1.0, high=1.0):
    return torch.rand(*shape) * (high - low) + low


class Task:
    def __init__(self, units, run, warmup=None):
        self.units = units
        self.run = run
        self.warmup = warmup


def check_gemm(c, a, b, m, n, k, trans_a, trans_b):
    """A few entries of C against a double-precision product (same tolerance as lib/common.mjs)."""
    a64 = (a.t() if trans_a else a).double()
    b64 = (b.t() if trans_b else b).double()
    generator = torch.Generator().manual_seed(7)
    for _ in range(8):
        i = int(torch.randint(m, (1,), generator=generator))
        j = int(torch.randint(n, (1,), generator=generator))
        exact = float(a64[i] @ b64[:, j])
        magnitude = float(a64[i].abs() @ b64[:, j].abs())
        if not abs(float(c[i, j]) - exact) <= 1e-4 * magnitude + 1e-6:
            return "C[%d,%d] = %g, expected %g" % (i, j, float(c[i, j]), exact)
    return None


def setup_gemm(p):
    m, n, k, trans_a, trans_b = p["m"], p["n"], p["k"], p["transA"], p["transB"]
    a = uniform(k, m) if trans_a else uniform(m, k)
    b = uniform(n, k) if trans_b else uniform(k, n)
    op_a = a.t() if trans_a else a  # a transposed view: BLAS gets the transpose flag, no copy
    op_b = b.t() if trans_b else b
    c = torch.empty(m, n)
    torch.mm(op_a, op_b, out=c)
    wrong = check_gemm(c, a, b, m, n, k, trans_a, trans_b)
    if wrong:
        raise RuntimeError("wrong GEMM result: " + wrong)

    def run(iterations, _repetition):
        for _ in range(iterations):
            torch.mm(op_a, op_b, out=c)

    return Task(2 * m * n * k, run)


def setup_train_mlp(p):
    sizes, batch, steps = p["layers"], p["batch"], p["stepsPerCall"]
    model = mlp(sizes)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()  # softmax + cross-entropy on logits, as a Keras softmax output
    x = uniform(batch * steps, sizes[0])
    y = torch.randint(sizes[-1], (batch * steps,))

    def run(iterations, _repetition):
        for _ in range(iterations):
            for step in range(steps):
                xb, yb = x[step * batch:(step + 1) * batch], y[step * batch:(step + 1) * batch]
                optimizer.zero_grad(set_to_none=True)
                loss_fn(model(xb), yb).backward()
                optimizer.step()

    return Task(batch * steps, run)


def setup_train_tiny(p):
    sizes, batch = p["layers"], p["batch"]
    model = mlp(sizes)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()  # sigmoid output + binary cross-entropy, fused
    x = uniform(batch, sizes[0])
    y = (torch.arange(batch) % 2).float().unsqueeze(1)

    def run(iterations, _repetition):
        for _ in range(iterations):
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(x), y).backward()
            optimizer.step()

    return Task(1, run)


def setup_infer(p):
    sizes, batch = p["layers"], p["batch"]
    model = mlp(sizes, torch.nn.Softmax(dim=1)).eval()
    x = uniform(batch, sizes[0], low=0.0, high=1.0)

    def run(iterations, _repetition):
        with torch.inference_mode():
            for _ in range(iterations):
                model(x)

    return Task(batch, run)


def load_digits(name):
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "data")
    with open(os.path.join(root, name), encoding="utf-8") as handle:
        rows = [line.split(",") for line in handle.read().strip().split("\n")[1:]]
    x = torch.tensor([[float(v) / 16 for v in row[:64]] for row in rows], dtype=torch.float32)
    y = torch.tensor([int(row[64]) for row in rows], dtype=torch.long)
    return x, y


def setup_digits(p):
    epochs, batch, hidden, warmup_epochs = p["epochs"], p["batch"], p["hidden"], p["warmupEpochs"]
    x_train, y_train = load_digits("digits_train.csv")
    x_test, y_test = load_digits("digits_test.csv")

    def train(seed, epoch_count):
        torch.manual_seed(seed)
        model = mlp([64, hidden, 10])
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.nn.CrossEntropyLoss()
        rows = x_train.shape[0]
        for _ in range(epoch_count):
            order = torch.randperm(rows)
            for start in range(0, rows, batch):
                index = order[start:start + batch]
                optimizer.zero_grad(set_to_none=True)
                loss_fn(model(x_train[index]), y_train[index]).backward()
                optimizer.step()
        with torch.inference_mode():
            predicted = model(x_test).argmax(dim=1)
        return float((predicted == y_test).float().mean())

    def run(iterations, repetition):
        last = 0.0
        for _ in range(iterations):
            last = train(1 + repetition, epochs)
        return {"accuracy": last}

    def warmup():
        train(999, warmup_epochs)
        return warmup_epochs / epochs

    return Task(1, run, warmup=warmup)


def rnn_model(p):
    layer = (torch.nn.LSTM if p["cell"] == "lstm" else torch.nn.GRU)(p["input"], p["hidden"], batch_first=True)
    head = torch.nn.Linear(p["hidden"], 1)
    return layer, head


def setup_train_rnn(p):
    seq, batch, hidden, inputs, steps = p["seq"], p["batch"], p["hidden"], p["input"], p["stepsPerCall"]
    layer, head = rnn_model(p)
    optimizer = torch.optim.Adam(list(layer.parameters()) + list(head.parameters()), lr=1e-3)
    x = uniform(batch * steps, seq, inputs)
    y = uniform(batch * steps, 1, low=0.0, high=1.0)

    def run(iterations, _repetition):
        for _ in range(iterations):
            for step in range(steps):
                xb, yb = x[step * batch:(step + 1) * batch], y[step * batch:(step + 1) * batch]
                optimizer.zero_grad(set_to_none=True)
                out, _ = layer(xb)
                torch.nn.functional.mse_loss(head(out[:, -1]), yb).backward()
                optimizer.step()

    return Task(batch * steps, run)


def setup_infer_rnn(p):
    layer, head = rnn_model(p)
    x = uniform(p["batch"], p["seq"], p["input"])

    def run(iterations, _repetition):
        with torch.inference_mode():
            for _ in range(iterations):
                head(layer(x)[0][:, -1])

    return Task(p["batch"], run)


def names_gpt(p):
    """The names GPT of the 'train-gpt' case: pre-norm Transformer blocks with a causal mask (GPT blocks)."""
    vocab, context, features = p["vocab"], p["context"], p["features"]

    class Gpt(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(vocab, features)
            self.positions = torch.nn.Parameter(torch.empty(context, features).uniform_(-0.05, 0.05))
            self.blocks = torch.nn.ModuleList(
                torch.nn.TransformerEncoderLayer(
                    features, p["heads"], p["intermediate"], dropout=0.0, activation="relu",
                    layer_norm_eps=1e-5, batch_first=True, norm_first=True,
                )
                for _ in range(p["blocks"])
            )
            self.norm = torch.nn.LayerNorm(features, eps=1e-5)
            self.head = torch.nn.Linear(features, vocab)
            # -inf above the diagonal: a step attends to itself and the steps before it.
            self.register_buffer("causal", torch.triu(torch.full((context, context), float("-inf")), diagonal=1))

        def forward(self, ids):
            x = self.embedding(ids) + self.positions
            for block in self.blocks:
                x = block(x, src_mask=self.causal)
            return self.head(self.norm(x))  # logits: cross_entropy applies the softmax

    return Gpt()


def setup_train_gpt(p):
    batch, steps, context, vocab = p["batch"], p["stepsPerCall"], p["context"], p["vocab"]
    model = names_gpt(p)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randint(vocab, (batch * steps, context))
    y = torch.randint(vocab, (batch * steps, context))

    def run(iterations, _repetition):
        for _ in range(iterations):
            for step in range(steps):
                xb, yb = x[step * batch:(step + 1) * batch], y[step * batch:(step + 1) * batch]
                optimizer.zero_grad(set_to_none=True)
                torch.nn.functional.cross_entropy(model(xb).reshape(-1, vocab), yb.reshape(-1)).backward()
                optimizer.step()

    return Task(batch * steps * context, run)


def residual_mlp(p):
    """The residual MLP of the 'graphs' cases: each block adds two Linear+ReLU layers back onto its input."""

    def linear(inputs, units):
        layer = torch.nn.Linear(inputs, units)
        torch.nn.init.xavier_uniform_(layer.weight)  # Glorot-uniform, as Keras
        torch.nn.init.zeros_(layer.bias)
        return layer

    width = p["width"]

    class Residual(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = torch.nn.Sequential(linear(p["input"], width), torch.nn.ReLU())
            self.blocks = torch.nn.ModuleList(
                torch.nn.Sequential(linear(width, width), torch.nn.ReLU(), linear(width, width), torch.nn.ReLU())
                for _ in range(p["blocks"])
            )
            self.head = linear(width, p["classes"])

        def forward(self, x):
            h = self.stem(x)
            for block in self.blocks:
                h = h + block(h)
            return self.head(h)  # logits: CrossEntropyLoss applies the softmax, as a Keras softmax output

    return Residual()


def setup_train_residual(p):
    batch, steps = p["batch"], p["stepsPerCall"]
    model = residual_mlp(p)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = uniform(batch * steps, p["input"])
    y = torch.randint(p["classes"], (batch * steps,))

    def run(iterations, _repetition):
        for _ in range(iterations):
            for step in range(steps):
                xb, yb = x[step * batch:(step + 1) * batch], y[step * batch:(step + 1) * batch]
                optimizer.zero_grad(set_to_none=True)
                loss_fn(model(xb), yb).backward()
                optimizer.step()

    return Task(batch * steps, run)


def setup_infer_residual(p):
    model = residual_mlp(p).eval()
    x = uniform(p["batch"], p["input"])

    def run(iterations, _repetition):
        with torch.inference_mode():
            for _ in range(iterations):
                torch.softmax(model(x), dim=1)

    return Task(p["batch"], run)


def setup_conv(p, workload):
    """conv2d 3x3 in PyTorch's own layout (NCHW, weights [out, in, kh, kw]); each gradient alone through
    aten's convolution_backward, the function autograd calls, with only that gradient requested."""
    n, h, w, c, out, k = p["batch"], p["height"], p["width"], p["inChannels"], p["outChannels"], p["kernel"]
    if p["padding"] != "same" or k % 2 == 0:
        raise RuntimeError("this peer runs odd kernels with 'same' padding only")
    pad = (k - 1) // 2
    x = uniform(n, c, h, w)
    weight = uniform(out, c, k, k, low=-0.1, high=0.1)
    dy = uniform(n, out, h, w)
    units = 2 * n * h * w * out * k * k * c
    if workload == "convForward":
        y = torch.nn.functional.conv2d(x, weight, padding=pad)
        exact = torch.nn.functional.conv2d(x[:1].double(), weight.double(), padding=pad)
        if not torch.allclose(y[:1].double(), exact, rtol=1e-4, atol=1e-4):
            raise RuntimeError("wrong convolution result")

        def run(iterations, _repetition):
            with torch.inference_mode():
                for _ in range(iterations):
                    torch.nn.functional.conv2d(x, weight, padding=pad)

        return Task(units, run)
    mask = [True, False, False] if p["pass"] == "input" else [False, True, False]
    which = 0 if p["pass"] == "input" else 1
    got = torch.ops.aten.convolution_backward(dy, x, weight, None, [1, 1], [pad, pad], [1, 1], False, [0, 0], 1, mask)[which]
    exact = torch.ops.aten.convolution_backward(
        dy.double(), x.double(), weight.double(), None, [1, 1], [pad, pad], [1, 1], False, [0, 0], 1, mask)[which]
    if not torch.allclose(got.double(), exact, rtol=1e-4, atol=1e-3):
        raise RuntimeError("wrong convolution gradient")

    def run(iterations, _repetition):
        for _ in range(iterations):
            torch.ops.aten.convolution_backward(dy, x, weight, None, [1, 1], [pad, pad], [1, 1], False, [0, 0], 1, mask)

    return Task(units, run)


def lenet():
    """The LeNet-style network of lib/common.mjs (PyTorch's default initialisation; logits out)."""
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )


def setup_train_lenet(p):
    batch = p["batch"]
    model = lenet()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()  # softmax + cross-entropy on logits, as a Keras softmax output
    x = uniform(batch, 1, 28, 28, low=0.0, high=1.0)
    y = torch.randint(10, (batch,))

    def run(iterations, _repetition):
        for _ in range(iterations):
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(x), y).backward()
            optimizer.step()

    return Task(batch, run)


def setup_infer_lenet(p):
    batch = p["batch"]
    model = torch.nn.Sequential(lenet(), torch.nn.Softmax(dim=1)).eval()
    x = uniform(batch, 1, 28, 28, low=0.0, high=1.0)

    def run(iterations, _repetition):
        with torch.inference_mode():
            for _ in range(iterations):
                model(x)

    return Task(batch, run)


def ctc_labels(batch, classes):
    """The 'ctc-loss' case's labels, as lib/cases.mjs ctcLabels makes them."""
    return [[1 + (13 * b + 7 * i) % (classes - 1) for i in range(20 + (7 * b) % 31)] for b in range(batch)]


def setup_ctc_loss(p):
    batch, steps, classes = p["batch"], p["time"], p["classes"]
    labels = ctc_labels(batch, classes)
    targets = torch.tensor([c for row in labels for c in row], dtype=torch.long)
    target_lengths = torch.tensor([len(row) for row in labels], dtype=torch.long)
    input_lengths = torch.full((batch,), steps, dtype=torch.long)
    logits = uniform(batch, steps, classes, low=-2.0, high=2.0).requires_grad_()

    def step():
        logits.grad = None
        log_probs = torch.nn.functional.log_softmax(logits, dim=2).transpose(0, 1)  # [time, batch, classes]
        loss = torch.nn.functional.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean")
        loss.backward()
        return loss

    loss = step().item()
    worst = logits.grad.sum(dim=2).abs().max().item()
    if not (loss == loss and abs(loss) != float("inf")) or worst > 1e-5:
        raise ValueError("wrong CTC result: loss %r, a gradient row sums to %g" % (loss, worst))

    def run(iterations, _repetition):
        for _ in range(iterations):
            step()

    return Task(batch, run)


def mel_matrix(bins, fft_bins, rate):
    """Triangular HTK mel filters [fft_bins, bins] (Keras' MelSpectrogram layer uses the same shape of matrix)."""
    mel = lambda hz: 2595.0 * torch.log10(1.0 + hz / 700.0)  # noqa: E731
    edges = torch.linspace(float(mel(torch.tensor(0.0))), float(mel(torch.tensor(rate / 2.0))), bins + 2)
    hz = torch.linspace(0.0, rate / 2.0, fft_bins)
    mels = mel(hz)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    rising = (mels[:, None] - lower) / (center - lower)
    falling = (upper - mels[:, None]) / (upper - center)
    return torch.clamp(torch.minimum(rising, falling), min=0.0)


def keyword_cnn(samples):
    """examples/spoken-digits.ts' model: Keras MelSpectrogram (centred reflect-padded frames, dB, top 80 dB)
    as torch.stft + a mel matrix, batch normalization over the bands, Conv 16-32-64, global average pooling,
    dropout 0.2, dense 10 (softmax inside the cross-entropy)."""

    class KeywordCnn(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("window", torch.hann_window(200, periodic=True))
            self.register_buffer("mel", mel_matrix(40, 129, 8000))
            self.norm = torch.nn.BatchNorm1d(40, eps=1e-3, momentum=0.01)
            self.conv1 = torch.nn.Conv2d(1, 16, 3, padding=1)
            self.conv2 = torch.nn.Conv2d(16, 32, 3, padding=1)
            self.conv3 = torch.nn.Conv2d(32, 64, 3, padding=1)
            self.dropout = torch.nn.Dropout(0.2)
            self.dense = torch.nn.Linear(64, 10)

        def forward(self, audio):
            spectrum = torch.stft(audio, n_fft=256, hop_length=80, win_length=200, window=self.window,
                                  center=True, pad_mode="reflect", return_complex=True)
            power = spectrum.real ** 2 + spectrum.imag ** 2  # [batch, 129, frames]
            mel = torch.matmul(power.transpose(1, 2), self.mel).transpose(1, 2)  # [batch, 40, frames]
            db = 10.0 * torch.log10(torch.clamp(mel, min=1e-10))
            db = torch.maximum(db, db.max() - 80.0)
            x = self.norm(db).unsqueeze(1)  # [batch, 1, 40, frames]
            x = torch.nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
            x = torch.nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
            x = torch.relu(self.conv3(x)).mean(dim=(2, 3))
            return self.dense(self.dropout(x))

    return KeywordCnn()


def setup_train_keyword_cnn(p):
    batch, samples, steps = p["batch"], p["samples"], p["stepsPerCall"]
    model = keyword_cnn(samples)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    x = uniform(batch * steps, samples, low=-0.5, high=0.5)
    y = torch.randint(0, 10, (batch * steps,))
    loss_fn = torch.nn.CrossEntropyLoss()
    model.train()

    def run(iterations, _repetition):
        for _ in range(iterations):
            for s in range(steps):
                optimizer.zero_grad()
                loss = loss_fn(model(x[s * batch:(s + 1) * batch]), y[s * batch:(s + 1) * batch])
                loss.backward()
                optimizer.step()

    return Task(batch * steps, run)


SETUPS = {
    "trainKeywordCnn": setup_train_keyword_cnn,
    "ctcLoss": setup_ctc_loss,
    "logMel": lambda p: speech_features.setup_log_mel(p, Task),
    "convForward": lambda p: setup_conv(p, "convForward"),
    "convGradient": lambda p: setup_conv(p, "convGradient"),
    "trainLenet": setup_train_lenet,
    "inferLenet": setup_infer_lenet,
    "gemm": setup_gemm,
    "trainMlp": setup_train_mlp,
    "trainTiny": setup_train_tiny,
    "infer": setup_infer,
    "digits": setup_digits,
    "trainRnn": setup_train_rnn,
    "inferRnn": setup_infer_rnn,
    "trainGpt": setup_train_gpt,
    "trainResidual": setup_train_residual,
    "inferResidual": setup_infer_residual,
}


def timed(iterations, repetition):
    start = time.perf_counter()
    extra = task.run(iterations, repetition)
    return time.perf_counter() - start, extra


def op_setup(request):
    global task, iterations_per_rep
    task = None
    iterations_per_rep = 1
    spec = request["spec"]
    params = spec["params"]
    torch.manual_seed(params.get("seed", 1))
    if spec["workload"] not in SETUPS:
        return {"skip": "no runner for " + spec["workload"]}
    task = SETUPS[spec["workload"]](params)
    return {"units": task.units, "note": None}


def op_warmup(request):
    global iterations_per_rep
    if task.warmup is not None:
        start = time.perf_counter()
        fraction = task.warmup()  # the warm-up is this fraction of one iteration
        iterations_per_rep = 1
        spent = time.perf_counter() - start
        return {"iterationsPerRep": 1, "warmupSeconds": spent, "estimatedRepSeconds": spent / fraction}
    spent, done, batch = 0.0, 0, 1
    while spent < request["minSeconds"] or done < 3:
        spent += timed(batch, -1)[0]
        done += batch
        batch = min(batch * 2, 1 << 20)
    iterations_per_rep = max(1, min(1 << 20, round(request["targetSeconds"] / (spent / done))))
    return {
        "iterationsPerRep": iterations_per_rep,
        "warmupSeconds": spent,
        "estimatedRepSeconds": iterations_per_rep * spent / done,
    }


def op_rep(request):
    seconds, extra = timed(iterations_per_rep, request["repetition"])
    return {"seconds": seconds, "iterations": iterations_per_rep, "extra": extra}


def op_teardown(_request):
    global task
    task = None
    return None


HANDLERS = {
    "open": op_open,
    "probe": lambda _request: None,
    "setup": op_setup,
    "warmup": op_warmup,
    "rep": op_rep,
    "teardown": op_teardown,
}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        if request["op"] == "exit":
            break
        try:
            reply({"id": request["id"], "ok": True, "result": HANDLERS[request["op"]](request)})
        except Exception as error:  # noqa: BLE001 - every failure goes back to run.mjs as a message
            reply({"id": request["id"], "ok": False, "error": "%s: %s" % (type(error).__name__, error)})


main()
