"""Keras layers: merge, normalization, embedding, reshaping, recurrent and wrappers.

`check_layer` runs each layer eagerly, in a TF1 graph (bit for bit the same), through
get_config/from_config and one step of `fit`; numbers are checked against numpy references
of Keras's equations, gradients against finite differences (float64)."""

import json

import numpy as np
import pytest

import twinflow as tf
from twinflow import keras
from twinflow.compat import v1 as tf1
from twinflow.keras.layers import embedding, merge, normalization, recurrent, reshaping

RNG = np.random.default_rng(0)
Dense = keras.layers.Dense


def data(shape, dtype="float32"):
    if dtype.startswith("int"):
        return RNG.integers(0, 10, shape).astype(dtype)
    return RNG.normal(size=shape).astype(dtype)


def flat(values):
    return [np.asarray(v) for v in (values if isinstance(values, (list, tuple)) else [values])]


sigmoid = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731


# -- the layer check ---------------------------------------------------------------------------

def check_layer(layer_factory, input_shape, dtype="float32", call_kwargs=None, fit=True):
    """(1) eager call, (2) the same weights in a TF1 graph on a placeholder with unknown
    batch: bit-identical outputs, (3) get_config -> from_config -> the same config,
    (4) one eager `fit` step: finite loss, weights changed. Returns (layer, inputs,
    eager outputs as numpy)."""
    kwargs = call_kwargs or {}
    multi = isinstance(input_shape, list)
    shapes = input_shape if multi else [input_shape]
    xs = [data(s, dtype) for s in shapes]
    keras.backend.clear_session()
    layer = layer_factory()
    tensors = [tf.constant(x) for x in xs]
    eager = flat(layer(tensors if multi else tensors[0], **kwargs))
    weights = layer.get_weights()
    with tf.Graph().as_default():
        graph_layer = layer_factory()
        holders = [tf1.placeholder(tf.as_dtype(dtype), (None,) + tuple(s[1:])) for s in shapes]
        out = graph_layer(holders if multi else holders[0], **kwargs)
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            graph_layer.set_weights(weights)
            in_graph = flat(session.run(out, dict(zip(holders, xs))))
    assert len(in_graph) == len(eager)
    for a, b in zip(eager, in_graph):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    config = layer.get_config()
    json.dumps(config)
    assert type(layer).from_config(config).get_config() == config
    if fit:
        fit_one_step(layer_factory, shapes, dtype, xs)
    return layer, (xs if multi else xs[0]), eager


def fit_one_step(layer_factory, shapes, dtype, xs):
    """One SGD step of `tf.keras.Sequential([Input, (Dense,) layer])` — a functional model
    for a merge layer (a Dense before each input) or a layer with several outputs (the
    first one is trained). The Dense before a weightless layer proves gradients flow."""
    keras.backend.clear_session()
    inputs = [keras.Input(s[1:], dtype=dtype) for s in shapes]
    layer = layer_factory()
    if len(shapes) > 1:
        model = keras.Model(inputs, layer([Dense(s[-1])(i) for s, i in zip(shapes, inputs)]))
    else:
        before = [Dense(shapes[0][-1])] if dtype == "float32" else []
        model = keras.Sequential([inputs[0], *before, layer])
        if len(model.outputs) > 1:
            model = keras.Model(inputs[0], model.outputs[0])
    if not model.trainable_weights:
        return
    model.compile("sgd", "mse")
    x = xs if len(xs) > 1 else xs[0]
    start = model.get_weights()
    target = model.predict(x, verbose=0) + 1.0
    history = model.fit(x, target, epochs=1, batch_size=len(xs[0]), verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert any(not np.array_equal(a, b) for a, b in zip(start, model.get_weights()))


# -- merge --------------------------------------------------------------------------------------

MERGES = [(merge.Add, lambda a, b: a + b), (merge.Subtract, lambda a, b: a - b),
          (merge.Multiply, lambda a, b: a * b), (merge.Average, lambda a, b: (a + b) / 2),
          (merge.Maximum, np.maximum), (merge.Minimum, np.minimum),
          (merge.Concatenate, lambda a, b: np.concatenate([a, b], -1))]


@pytest.mark.parametrize("cls,reference", MERGES, ids=[m[0].__name__ for m in MERGES])
def test_merge_layers(cls, reference):
    _, (a, b), (out,) = check_layer(cls, [(4, 3), (4, 3)])
    np.testing.assert_allclose(out, reference(a, b), rtol=1e-6)


def test_dot_and_functional_forms():
    _, (a, b), (out,) = check_layer(lambda: merge.Dot(axes=(2, 2)), [(2, 3, 4), (2, 5, 4)])
    np.testing.assert_allclose(out, np.einsum("bik,bjk->bij", a, b), rtol=1e-5)
    a, b = data((3, 4)), data((3, 4))
    cosine = merge.dot([a, b], axes=1, normalize=True).numpy()
    expected = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(cosine, expected[:, None], rtol=1e-5)
    c = data((3, 4))
    for fn, ref in [(merge.add, a + b + c), (merge.multiply, a * b * c),
                    (merge.average, (a + b + c) / 3), (merge.maximum, np.maximum(a, b)),
                    (merge.concatenate, np.concatenate([a, b, c], 1))]:
        got = fn([a, b, c] if fn is not merge.maximum else [a, b]).numpy()
        np.testing.assert_allclose(got, ref, rtol=1e-6)
    np.testing.assert_array_equal(merge.subtract([a, b]).numpy(), a - b)
    # a lower-rank input is expanded at axis 1 (Keras 2), then broadcast
    np.testing.assert_array_equal(merge.add([a, np.ones((3, 2, 4), np.float32)]).numpy(),
                                  np.broadcast_to(a[:, None] + 1, (3, 2, 4)))
    kt = merge.concatenate([keras.Input((3,)), keras.Input((5,))])
    assert kt.shape.as_list() == [None, 8]


def test_merge_errors_match_keras():
    a, b = data((2, 3)), data((2, 4))
    with pytest.raises(ValueError, match=r"Inputs have incompatible shapes. Received shapes "
                                         r"\(3,\) and \(4,\)"):
        merge.Add()([a, b])
    with pytest.raises(ValueError, match="should be called on a list of inputs"):
        merge.Add()(a)
    with pytest.raises(ValueError, match="Cannot merge tensors with different batch sizes"):
        merge.Multiply()([a, data((3, 3))])
    with pytest.raises(ValueError, match="A `Subtract` layer should be called on exactly 2"):
        merge.Subtract()([a, a, a])
    with pytest.raises(ValueError, match="requires inputs with matching shapes except for "
                                         "the concatenation axis"):
        merge.Concatenate(axis=1)([data((2, 3, 4)), data((2, 3, 5))])
    with pytest.raises(ValueError, match=r"Incompatible input shapes: axis values 3 \(at axis "
                                         r"1\) != 4 \(at axis 1\)"):
        merge.Dot(axes=1)([a, b])
    with pytest.raises(ValueError, match="Cannot perform batch_dot over axis 0"):
        merge.Dot(axes=0)([a, a])
    with pytest.raises(TypeError, match="Invalid type for argument `axes`"):
        merge.Dot(axes="1")


# -- normalization ------------------------------------------------------------------------------

def bn_reference(x, gamma, beta, mean, var, eps=1e-3):
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def test_batch_normalization_training_inference_and_moving_statistics():
    layer, x, (out,) = check_layer(lambda: normalization.BatchNormalization(momentum=0.9),
                                   (8, 3), call_kwargs={"training": True})
    assert [w.name for w in layer.weights] == [
        "batch_normalization/gamma:0", "batch_normalization/beta:0",
        "batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0"]
    assert len(layer.trainable_weights) == 2
    mean, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(out, bn_reference(x, 1, 0, mean, var), rtol=1e-5, atol=1e-6)
    moving_mean, moving_var = layer.get_weights()[2:]
    np.testing.assert_allclose(moving_mean, 0 * 0.9 + mean * 0.1, rtol=1e-6)
    np.testing.assert_allclose(moving_var, 1 * 0.9 + var * 0.1, rtol=1e-6)
    gamma, beta = data((3,)), data((3,))
    layer.set_weights([gamma, beta, moving_mean, moving_var])
    for training in (None, False):  # inference: the moving statistics, no update
        kwargs = {} if training is None else {"training": training}
        np.testing.assert_allclose(layer(x, **kwargs).numpy(),
                                   bn_reference(x, gamma, beta, moving_mean, moving_var),
                                   rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(layer.get_weights()[2], moving_mean)
    layer.trainable = False  # Keras 2: a frozen BatchNormalization runs in inference mode
    np.testing.assert_allclose(layer(x, training=True).numpy(),
                               bn_reference(x, gamma, beta, moving_mean, moving_var),
                               rtol=1e-5, atol=1e-5)


def test_batch_normalization_axes_and_graph_update_ops():
    x = data((4, 3, 2, 5))
    layer = normalization.BatchNormalization(axis=1, center=False)
    out = layer(x, training=True).numpy()
    assert layer.get_config()["axis"] == [1] and len(layer.weights) == 3
    mean, var = x.mean((0, 2, 3), keepdims=True), x.var((0, 2, 3), keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    with tf.Graph().as_default() as graph:
        bn = normalization.BatchNormalization()
        holder = tf1.placeholder(tf.float32, (None, 5))
        y = bn(holder, training=True)
        updates = graph.get_collection(tf1.GraphKeys.UPDATE_OPS)
        assert len(updates) == 2
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            session.run([y, updates], {holder: x[:, 0, 0]})
            moving_mean = session.run(bn.moving_mean)
    np.testing.assert_allclose(moving_mean, x[:, 0, 0].mean(0) * 0.01, rtol=1e-5)
    with pytest.raises(ValueError, match="Invalid axis"):
        normalization.BatchNormalization(axis=3)(data((2, 3)))
    with pytest.raises(TypeError, match="Expected an int or a list/tuple of ints"):
        normalization.BatchNormalization(axis="x")


def test_batch_normalization_fit_same_in_eager_compiled_and_graph():
    x, y = data((16, 4)), data((16, 2))

    def run(mode):
        keras.backend.clear_session()
        tf.random.set_seed(1)
        model = keras.Sequential([keras.Input((4,)), Dense(2),
                                  normalization.BatchNormalization()])
        model.compile("sgd", "mse", run_eagerly=mode == "eager")
        model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
        return model.get_weights()
    results = [run("eager"), run("compiled")]
    tf1.disable_eager_execution()
    try:
        with tf1.Session():
            results.append(run("graph"))
    finally:
        tf1.enable_eager_execution()
        tf1.reset_default_graph()
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)
    assert not np.array_equal(results[0][4], np.zeros(2))  # moving_mean moved


def test_layer_normalization():
    layer, x, (out,) = check_layer(lambda: normalization.LayerNormalization(), (4, 3, 5))
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-5, atol=1e-5)
    layer, x, (out,) = check_layer(lambda: normalization.LayerNormalization(axis=[1, 2]),
                                   (4, 3, 5), fit=False)
    gamma, beta = layer.get_weights()
    assert gamma.shape == (3, 5) and layer.get_config()["axis"] == [1, 2]
    mean, var = x.mean((1, 2), keepdims=True), x.var((1, 2), keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-5, atol=1e-5)


def test_normalization_adapt_and_fixed_statistics():
    x = data((50, 3)) * [1.0, 10.0, 0.1] + [5.0, -2.0, 0.0]
    layer = normalization.Normalization()
    layer.adapt(x)
    mean, variance, count = layer.get_weights()
    np.testing.assert_allclose(mean, x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(variance, x.var(0), rtol=1e-5)
    assert count == 50 and [w.trainable for w in layer.weights] == [False] * 3
    np.testing.assert_allclose(layer(x).numpy(), (x - x.mean(0)) / x.std(0), rtol=1e-4,
                               atol=1e-5)
    fixed = lambda: normalization.Normalization(mean=2.0, variance=4.0)  # noqa: E731
    _, inputs, (out,) = check_layer(fixed, (3, 2), fit=False)
    np.testing.assert_allclose(out, (inputs - 2) / 2, rtol=1e-6)
    inverse = normalization.Normalization(mean=2.0, variance=4.0, invert=True)
    np.testing.assert_allclose(inverse(out).numpy(), inputs, rtol=1e-5, atol=1e-6)
    by_batches = normalization.Normalization(axis=None)
    by_batches.adapt(tf.data.Dataset.from_tensor_slices(x).batch(16))
    np.testing.assert_allclose(by_batches.get_weights()[0], x.mean(), rtol=1e-5)
    with pytest.raises(ValueError, match="Cannot `adapt` a Normalization layer"):
        fixed().adapt(x)
    with pytest.raises(ValueError, match="both `mean` and `variance` must be set"):
        normalization.Normalization(mean=1.0)


# -- embedding ----------------------------------------------------------------------------------

def test_embedding():
    layer, ids, (out,) = check_layer(lambda: embedding.Embedding(10, 4), (3, 5), dtype="int32")
    (table,) = layer.get_weights()
    assert layer.weights[0].name == "embedding/embeddings:0" and table.shape == (10, 4)
    assert np.abs(table).max() <= 0.05  # RandomUniform(-0.05, 0.05)
    np.testing.assert_array_equal(out, table[ids])
    masked = embedding.Embedding(10, 2, mask_zero=True)
    np.testing.assert_array_equal(masked.compute_mask(tf.constant([[0, 3]])).numpy(),
                                  [[False, True]])
    model = keras.Sequential([embedding.Embedding(10, 2, input_length=5)])
    assert model.layers[0].get_config()["batch_input_shape"] == [None, 5]
    with pytest.raises(ValueError, match="Both `input_dim` and `output_dim` should be positive"):
        embedding.Embedding(0, 2)


# -- reshaping ----------------------------------------------------------------------------------

RESHAPES = [
    (lambda: reshaping.ZeroPadding1D((1, 2)), (2, 3, 2),
     lambda x: np.pad(x, [(0, 0), (1, 2), (0, 0)])),
    (lambda: reshaping.ZeroPadding2D(((1, 0), (2, 1))), (2, 3, 4, 2),
     lambda x: np.pad(x, [(0, 0), (1, 0), (2, 1), (0, 0)])),
    (lambda: reshaping.ZeroPadding2D(1, data_format="channels_first"), (2, 2, 3, 4),
     lambda x: np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)])),
    (lambda: reshaping.UpSampling1D(3), (2, 3, 2), lambda x: np.repeat(x, 3, axis=1)),
    (lambda: reshaping.UpSampling2D((2, 3)), (2, 3, 4, 2),
     lambda x: np.repeat(np.repeat(x, 2, axis=1), 3, axis=2)),
    (lambda: reshaping.Cropping1D((1, 2)), (2, 5, 2), lambda x: x[:, 1:-2]),
    (lambda: reshaping.Cropping2D(((1, 0), (0, 2))), (2, 3, 4, 2), lambda x: x[:, 1:, :-2]),
]


@pytest.mark.parametrize("factory,shape,reference", RESHAPES,
                         ids=["pad1d", "pad2d", "pad2d_cf", "up1d", "up2d", "crop1d", "crop2d"])
def test_reshaping_layers(factory, shape, reference):
    _, x, (out,) = check_layer(factory, shape)
    np.testing.assert_array_equal(out, reference(x))


def test_reshaping_unknown_dims_and_errors():
    kt = reshaping.UpSampling1D(2)(keras.Input((None, 3)))
    assert kt.shape.as_list() == [None, None, 3]
    assert reshaping.UpSampling2D(2)(keras.Input((4, 5, 1))).shape.as_list() == [None, 8, 10, 1]
    assert reshaping.ZeroPadding2D(1).get_config()["padding"] == ((1, 1), (1, 1))
    with pytest.raises(ValueError, match="must be smaller than the input length"):
        reshaping.Cropping1D((2, 2))(data((1, 4, 1)))
    with pytest.raises(ValueError, match="`padding` should have two elements"):
        reshaping.ZeroPadding2D((1, 2, 3))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        reshaping.UpSampling1D()(data((2, 3)))
    with pytest.raises(NotImplementedError, match="nearest"):
        reshaping.UpSampling2D(interpolation="bicubic")


# -- recurrent: numpy references of Keras's equations -------------------------------------------

def np_rnn(step, x, states, go_backwards=False, mask=None):
    """Keras's backend.rnn: (last output, outputs in processing order, final states)."""
    order = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    outputs, prev = [], np.zeros_like(states[0])
    for t in order:
        out, new = step(x[:, t], states)
        if mask is not None:
            keep = mask[:, t, None]
            new = [np.where(keep, n, s) for n, s in zip(new, states)]
            out = np.where(keep, out, prev)
        outputs.append(out)
        prev, states = out, new
    return prev, np.stack(outputs, 1), states


def simple_rnn_step(kernel, recurrent, bias):
    def step(x, states):
        h = np.tanh(x @ kernel + bias + states[0] @ recurrent)
        return h, [h]
    return step


def lstm_step(kernel, recurrent, bias):
    def step(x, states):
        h, c = states
        i, f, g, o = np.split(x @ kernel + h @ recurrent + bias, 4, axis=1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        return h, [h, c]
    return step


def gru_step(kernel, recurrent, bias, reset_after=True):
    def step(x, states):
        h = states[0]
        u = h.shape[1]
        b_in, b_rec = (bias[0], bias[1]) if reset_after else (bias, np.zeros_like(bias))
        x_z, x_r, x_h = np.split(x @ kernel + b_in, 3, axis=1)
        inner = h @ recurrent + b_rec
        z = sigmoid(x_z + inner[:, :u])
        r = sigmoid(x_r + inner[:, u:2 * u])
        candidate = r * inner[:, 2 * u:] if reset_after else (r * h) @ recurrent[:, 2 * u:]
        h = z * h + (1 - z) * np.tanh(x_h + candidate)
        return h, [h]
    return step


RECURRENT = {
    "simple_rnn": (lambda **kw: recurrent.SimpleRNN(3, **kw), simple_rnn_step, 1),
    "lstm": (lambda **kw: recurrent.LSTM(3, **kw), lstm_step, 2),
    "gru": (lambda **kw: recurrent.GRU(3, **kw), gru_step, 1),
    "gru_reset_before": (lambda **kw: recurrent.GRU(3, reset_after=False, **kw),
                         lambda k, r, b: gru_step(k, r, b, reset_after=False), 1),
}


@pytest.mark.parametrize("name", list(RECURRENT))
def test_recurrent_layers_match_numpy(name):
    make, step, n_states = RECURRENT[name]
    layer, x, outs = check_layer(
        lambda: make(return_sequences=True, return_state=True), (2, 4, 5))
    kernel, rec, bias = layer.get_weights()
    assert [w.name.split("/")[-1] for w in layer.weights] == [
        "kernel:0", "recurrent_kernel:0", "bias:0"]
    gates = kernel.shape[1] // 3
    if name == "lstm":
        np.testing.assert_array_equal(bias, np.repeat([0.0, 1.0, 0.0, 0.0], 3))
    if name == "gru":
        assert bias.shape == (2, 9)
    assert rec.shape == (3, 3 * gates)
    states = [np.zeros((2, 3), np.float32)] * n_states
    last, seq, final = np_rnn(step(kernel, rec, bias), x, states)
    np.testing.assert_allclose(outs[0], seq, rtol=1e-5, atol=1e-6)
    for got, want in zip(outs[1:], final):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    back = make(go_backwards=True)
    back(x)
    back.set_weights([kernel, rec, bias])
    np.testing.assert_allclose(back(x).numpy(), np_rnn(step(kernel, rec, bias), x, states,
                                                       go_backwards=True)[0], rtol=1e-5,
                               atol=1e-6)


def test_masking_and_initial_state():
    ids = np.array([[3, 1, 0, 0], [2, 5, 4, 0]])
    emb = embedding.Embedding(6, 2, mask_zero=True)
    lstm = recurrent.LSTM(3, return_sequences=True)
    x = emb(ids)
    out = lstm(x, mask=emb.compute_mask(ids)).numpy()
    weights = lstm.get_weights()
    zeros = [np.zeros((2, 3), np.float32)] * 2
    _, seq, _ = np_rnn(lstm_step(*weights), x.numpy(), zeros, mask=ids != 0)
    np.testing.assert_allclose(out, seq, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(out[0, 2], out[0, 1])  # a masked step repeats the output
    h0, c0 = data((2, 3)), data((2, 3))
    gru = recurrent.GRU(3)
    got = gru(x, initial_state=[h0]).numpy()
    np.testing.assert_allclose(got, np_rnn(gru_step(*gru.get_weights()), x.numpy(), [h0])[0],
                               rtol=1e-5, atol=1e-6)
    got = lstm(x, initial_state=[h0, c0]).numpy()[:, -1]
    np.testing.assert_allclose(got, np_rnn(lstm_step(*weights), x.numpy(), [h0, c0])[0],
                               rtol=1e-5, atol=1e-6)


def random_direction_check(layer, x, kwargs=None):
    """<grad, u> by the tape vs (f(p + eps u) - f(p - eps u)) / 2 eps along one random
    direction u of the inputs and trainable weights (HIPS autograd's check)."""
    kwargs = kwargs or {}
    probe = [RNG.normal(size=o.shape) for o in flat(layer(tf.constant(x), **kwargs))]
    n = len(layer.trainable_weights)
    weights = layer.get_weights()
    u_x = RNG.normal(size=x.shape)
    u_w = [RNG.normal(size=w.shape) for w in weights[:n]]

    def loss(eps):
        layer.set_weights([w + eps * u for w, u in zip(weights[:n], u_w)] + weights[n:])
        outs = flat(layer(tf.constant(x + eps * u_x), **kwargs))
        return sum(float(np.sum(o * p)) for o, p in zip(outs, probe))
    layer.set_weights(weights)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        outs = layer(xt, **kwargs)
        total = tf.add_n([tf.reduce_sum(o * p) for o, p in
                          zip(outs if isinstance(outs, list) else [outs], probe)])
    gx, *gw = tape.gradient(total, [xt, *layer.trainable_weights])
    analytic = np.sum(gx.numpy() * u_x) + sum(np.sum(g.numpy() * u) for g, u in zip(gw, u_w))
    eps = 1e-5
    numeric = (loss(eps) - loss(-eps)) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", list(RECURRENT))
def test_recurrent_gradients_match_finite_differences(name):
    layer = RECURRENT[name][0](return_sequences=True, return_state=True, dtype="float64")
    random_direction_check(layer, RNG.normal(size=(2, 3, 2)))


def test_normalization_and_wrapper_gradients():
    random_direction_check(normalization.BatchNormalization(dtype="float64", center=False),
                           RNG.normal(size=(5, 3)), {"training": True})
    random_direction_check(normalization.LayerNormalization(dtype="float64"),
                           RNG.normal(size=(2, 4)))
    bidirectional = recurrent.Bidirectional(recurrent.GRU(2, dtype="float64",
                                                          return_sequences=True))
    random_direction_check(bidirectional, RNG.normal(size=(2, 3, 2)))


def test_unknown_time_runs_a_while_loop_with_the_same_numbers_and_gradients():
    x = data((2, 5, 3))
    layer = recurrent.LSTM(4, return_sequences=True, go_backwards=True)
    with tf.GradientTape() as tape:
        eager = layer(tf.constant(x))
        loss = tf.reduce_sum(eager * eager)
    eager_grads = [g.numpy() for g in tape.gradient(loss, layer.trainable_weights)]
    weights = layer.get_weights()

    @tf.function(input_signature=[tf.TensorSpec([None, None, 3], tf.float32)])
    def step(inputs):
        with tf.GradientTape() as tape:
            out = layer(inputs)
            loss = tf.reduce_sum(out * out)
        return out, tape.gradient(loss, layer.trainable_weights)
    out, grads = step(tf.constant(x))
    np.testing.assert_array_equal(out.numpy(), eager.numpy())
    for a, b in zip(grads, eager_grads):
        np.testing.assert_allclose(a.numpy(), b, rtol=1e-5, atol=1e-6)
    with tf.Graph().as_default():  # TF1: the while loop in a Session, tf.gradients
        holder = tf1.placeholder(tf.float32, (None, None, 3))
        twin = recurrent.LSTM(4, return_sequences=True, go_backwards=True)
        out = twin(holder)
        grads = tf1.gradients(tf.reduce_sum(out * out), twin.trainable_weights)
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            twin.set_weights(weights)
            value, graph_grads = session.run([out, grads], {holder: x})
        np.testing.assert_array_equal(value, eager.numpy())
        for a, b in zip(graph_grads, eager_grads):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        unrolled = recurrent.LSTM(4, unroll=True)
        with pytest.raises(ValueError, match="Cannot unroll a RNN if the time dimension"):
            unrolled(holder)


def test_recurrent_fit_compiled_with_unknown_time_and_config():
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((None, 3)), recurrent.GRU(4, return_sequences=True),
                              recurrent.SimpleRNN(2)])
    model.compile("sgd", "mse")
    x, y = data((6, 4, 3)), data((6, 2))
    before = model.get_weights()
    history = model.fit(x, y, epochs=2, batch_size=3, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    lstm = recurrent.LSTM(5, dropout=0.5, recurrent_dropout=0.25, go_backwards=True)
    config = lstm.get_config()
    assert config["units"] == 5 and config["recurrent_activation"] == "sigmoid"
    assert config["unit_forget_bias"] and "cell" not in config
    clone = recurrent.LSTM.from_config(config)
    assert clone.units == 5 and clone.dropout == 0.5 and clone.go_backwards
    dropped = lstm(x, training=True).numpy()
    assert dropped.shape == (6, 5) and not np.array_equal(dropped, lstm(x).numpy())
    rnn = recurrent.RNN(recurrent.LSTMCell(2), return_sequences=True)
    assert rnn(x).shape == (6, 4, 2)
    assert type(recurrent.RNN.from_config(rnn.get_config()).cell) is recurrent.LSTMCell


def test_bidirectional_and_time_distributed():
    layer, x, (out,) = check_layer(
        lambda: recurrent.Bidirectional(recurrent.LSTM(3, return_sequences=True)), (2, 4, 2))
    assert [w.name for w in layer.weights][::3] == [
        "forward_lstm/lstm_cell_1/kernel:0", "backward_lstm/lstm_cell_2/kernel:0"]
    w = layer.get_weights()
    zeros = [np.zeros((2, 3), np.float32)] * 2
    forward = np_rnn(lstm_step(*w[:3]), x, zeros)[1]
    backward = np_rnn(lstm_step(*w[3:]), x, zeros, go_backwards=True)[1][:, ::-1]
    np.testing.assert_allclose(out, np.concatenate([forward, backward], -1), rtol=1e-5,
                               atol=1e-6)
    summed = recurrent.Bidirectional(recurrent.GRU(3, return_state=True), merge_mode="sum")
    y, h_forward, h_backward = summed(x)
    np.testing.assert_allclose(y.numpy(), h_forward.numpy() + h_backward.numpy(), rtol=1e-6)
    layer, x, (out,) = check_layer(lambda: recurrent.TimeDistributed(Dense(2)), (3, 4, 5))
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(out, x @ kernel + bias, rtol=1e-5, atol=1e-6)
    assert recurrent.TimeDistributed(Dense(2))(keras.Input((None, 5))).shape.as_list() == \
        [None, None, 2]


def test_masks_in_a_while_loop_and_bidirectional_options():
    x, mask = data((2, 4, 3)), np.array([[1, 1, 0, 1], [1, 0, 0, 0]], bool)
    layer = recurrent.SimpleRNN(2, return_sequences=True, zero_output_for_mask=True)
    eager = layer(x, mask=mask).numpy()
    assert (eager[1, 1:] == 0).all() and layer.get_config()["zero_output_for_mask"]

    @tf.function(input_signature=[tf.TensorSpec([None, None, 3], tf.float32),
                                  tf.TensorSpec([None, None], tf.bool)])
    def run(inputs, steps_mask):
        return layer(inputs, mask=steps_mask)
    np.testing.assert_array_equal(run(tf.constant(x), tf.constant(mask)).numpy(), eager)
    backward = recurrent.GRU(2, go_backwards=True, return_state=True)
    both = recurrent.Bidirectional(recurrent.GRU(2, return_state=True), merge_mode=None,
                                   backward_layer=backward)
    h0 = [data((2, 2)), data((2, 2))]
    y_forward, y_backward, h_forward, h_backward = both(x, initial_state=h0)
    np.testing.assert_array_equal(y_backward.numpy(), h_backward.numpy())
    w = both.get_weights()
    np.testing.assert_allclose(y_forward.numpy(), np_rnn(gru_step(*w[:3]), x, h0[:1])[0],
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y_backward.numpy(), np_rnn(gru_step(*w[3:]), x, h0[1:],
                                                          go_backwards=True)[0],
                               rtol=1e-5, atol=1e-6)
    config = both.get_config()
    assert config["backward_layer"]["config"]["go_backwards"]
    clone = recurrent.Bidirectional.from_config(config)
    assert clone.backward_layer.go_backwards and clone.merge_mode is None
    with pytest.raises(ValueError, match="should have different `go_backwards` value"):
        recurrent.Bidirectional(recurrent.GRU(2), backward_layer=recurrent.GRU(2))


def test_recurrent_errors():
    with pytest.raises(NotImplementedError, match="stateful=False only"):
        recurrent.LSTM(2, stateful=True)
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        recurrent.GRU(2)(data((2, 3)))
    with pytest.raises(ValueError, match="expected a positive integer"):
        recurrent.SimpleRNN(0)
    with pytest.raises(ValueError, match="Invalid merge mode"):
        recurrent.Bidirectional(recurrent.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="with at least 3 dimensions"):
        recurrent.TimeDistributed(Dense(2))(data((2, 3)))
    with pytest.raises(ValueError, match="Please initialize `Bidirectional` layer"):
        recurrent.Bidirectional(Dense)
