"""Reshaping layers: ZeroPadding1D/2D, UpSampling1D/2D (nearest) and Cropping1D/2D.

Each is one or two array ops — tf.pad, a repeat built from expand_dims + tile +
reshape, a strided slice — written so the batch and spatial dims may be unknown (the
symbolic call of a functional model, a TF1 placeholder): static dims stay Python ints,
unknown ones are read with tf.shape, and the static shape is restored with set_shape.
"""

from __future__ import annotations

from engine.ops import array
from twinflow.keras import backend
from twinflow.keras.base_layer import Layer

__all__ = ["ZeroPadding1D", "ZeroPadding2D", "UpSampling1D", "UpSampling2D", "Cropping1D",
           "Cropping2D"]


# -- dynamic shapes -------------------------------------------------------------------------

def dynamic_dims(x):
    """x's dims: Python ints where static, scalar int32 tensors (tf.shape) where not."""
    dims = x.shape.as_list()
    if None not in dims:
        return dims
    runtime = array.shape(x)
    return [d if d is not None else runtime[i] for i, d in enumerate(dims)]


def reshape_dims(x, dims):
    """tf.reshape to `dims` (ints and scalar tensors), keeping the static dims known."""
    if all(isinstance(d, int) for d in dims):
        return array.reshape(x, dims)
    out = array.reshape(x, array.stack(list(dims)))
    if hasattr(out, "set_shape"):  # graph tensors; an eager one knows its shape already
        out.set_shape([d if isinstance(d, int) else None for d in dims])
    return out


def _repeat(x, size, axis):
    """Each slice of x along `axis` repeated `size` times in place (nearest upsampling)."""
    dims = dynamic_dims(x)
    multiples = [1] * (len(dims) + 1)
    multiples[axis + 1] = size
    tiled = array.tile(array.expand_dims(x, axis + 1), multiples)
    dims[axis] = dims[axis] * size
    return reshape_dims(tiled, dims)


# -- argument normalization (Keras's conv_utils.normalize_tuple) -------------------------------

def _tuple(value, n, name):
    """An int -> n copies; an n-sequence of ints -> a tuple; each must be >= 0."""
    if isinstance(value, int):
        values = (value,) * n
    elif isinstance(value, (list, tuple)) and len(value) == n and \
            all(isinstance(v, int) for v in value):
        values = tuple(value)
    else:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                         f"Received: {name}={value}")
    invalid = [v for v in values if v < 0]
    if invalid:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received "
                         f"{name}={value} including {invalid} that does not satisfy the "
                         f"requirement `>= 0`.")
    return values


def _pairs(value, name, what):
    """((top, bottom), (left, right)) from an int, 2 ints or 2 pairs (Keras 2's rules)."""
    if isinstance(value, int):
        return ((value, value), (value, value))
    if hasattr(value, "__len__"):
        if len(value) != 2:
            raise ValueError(f"`{name}` should have two elements. Received: {name}={value}.")
        return (_tuple(value[0], 2, f"1st entry of {name}"),
                _tuple(value[1], 2, f"2nd entry of {name}"))
    raise ValueError(f"`{name}` should be either an int, a tuple of 2 ints (symmetric_height_"
                     f"{what}, symmetric_width_{what}), or a tuple of 2 tuples of 2 ints "
                     f"((top_{what}, bottom_{what}), (left_{what}, right_{what})). Received: "
                     f"{name}={value}.")


def _data_format(value):
    value = backend.image_data_format() if value is None else value.lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"The `data_format` argument must be one of \"channels_first\", "
                         f"\"channels_last\". Received: {value}")
    return value


def _check_rank(layer, inputs, rank):
    if inputs.shape.rank is not None and inputs.shape.rank != rank:
        raise ValueError(f"Input 0 of layer \"{layer.name}\" is incompatible with the layer: "
                         f"expected ndim={rank}, found ndim={inputs.shape.rank}. Full shape "
                         f"received: {tuple(inputs.shape.as_list())}")


class ZeroPadding1D(Layer):
    """Pads [batch, steps, features] with `padding` zero steps: an int (both sides) or
    (left, right)."""

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = _tuple(padding, 2, "padding")

    def call(self, inputs):
        _check_rank(self, inputs, 3)
        return array.pad(inputs, [[0, 0], list(self.padding), [0, 0]])

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


class ZeroPadding2D(Layer):
    """Pads the rows and columns of images with zeros: an int, (rows, cols) symmetric,
    or ((top, bottom), (left, right))."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pairs(padding, "padding", "pad")
        self.data_format = _data_format(data_format)

    def call(self, inputs):
        _check_rank(self, inputs, 4)
        spatial = [list(self.padding[0]), list(self.padding[1])]
        pads = [[0, 0], *spatial, [0, 0]] if self.data_format == "channels_last" else \
            [[0, 0], [0, 0], *spatial]
        return array.pad(inputs, pads)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding,
                "data_format": self.data_format}


class UpSampling1D(Layer):
    """Repeats each time step `size` times: [b, steps, f] -> [b, steps * size, f]."""

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)

    def call(self, inputs):
        _check_rank(self, inputs, 3)
        return _repeat(inputs, self.size, 1)

    def get_config(self):
        return {**super().get_config(), "size": self.size}


class UpSampling2D(Layer):
    """Repeats rows size[0] times and columns size[1] times (nearest neighbour), or
    resamples to (h*size[0], w*size[1]) with tf.image.resize (bilinear)."""

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.size = _tuple(size, 2, "size")
        self.data_format = _data_format(data_format)
        if interpolation not in ("nearest", "bilinear"):
            if interpolation in ("bicubic", "area", "lanczos3", "lanczos5",
                                 "gaussian", "mitchellcubic"):
                raise NotImplementedError(f"twinflow's UpSampling2D has interpolation="
                                          f"'nearest' or 'bilinear' (got {interpolation!r})")
            raise ValueError(f"`interpolation` argument should be one of `\"area\", "
                             f"\"bicubic\", \"bilinear\", \"gaussian\", \"lanczos3\", "
                             f"\"lanczos5\", \"mitchellcubic\", \"nearest\"`. Received: "
                             f"\"{interpolation}\".")
        self.interpolation = interpolation

    def call(self, inputs):
        _check_rank(self, inputs, 4)
        first = 1 if self.data_format == "channels_last" else 2
        if self.interpolation == "bilinear":
            return self._bilinear(inputs)
        return _repeat(_repeat(inputs, self.size[0], first), self.size[1], first + 1)

    def _bilinear(self, inputs):
        """Keras 2's backend.resize_images: tf.image.resize to the scaled size."""
        from engine.ops import image
        x = inputs if self.data_format == "channels_last" else \
            array.transpose(inputs, [0, 2, 3, 1])
        dims = dynamic_dims(x)
        size = [dims[1] * self.size[0], dims[2] * self.size[1]]
        static = [d if isinstance(d, int) else None for d in size]
        out = image.resize(x, size if None not in static else array.stack(size),
                           method="bilinear")
        if hasattr(out, "set_shape"):  # graph tensors: keep the static dims known
            out.set_shape([x.shape[0], *static, x.shape[3]])
        return out if self.data_format == "channels_last" else \
            array.transpose(out, [0, 3, 1, 2])

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}


def _crop(x, axis, begin, end, layer):
    """x[..., begin:len-end, ...] along `axis` by strided slice (a negative stop, so an
    unknown length works)."""
    length = x.shape[axis]
    if length is not None and length - begin - end <= 0:
        raise ValueError(f"`cropping` parameter of `{type(layer).__name__}` layer must be "
                         f"smaller than the input length. Received: input_shape="
                         f"{tuple(x.shape.as_list())}, cropping={layer.cropping}")
    key = [slice(None)] * x.shape.rank
    key[axis] = slice(begin, -end if end else None)
    return x[tuple(key)]


class Cropping1D(Layer):
    """Removes cropping[0] steps at the start and cropping[1] at the end."""

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = _tuple(cropping, 2, "cropping")

    def call(self, inputs):
        _check_rank(self, inputs, 3)
        return _crop(inputs, 1, *self.cropping, self)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping}


class Cropping2D(Layer):
    """Removes rows and columns at the borders: ((top, bottom), (left, right))."""

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pairs(cropping, "cropping", "crop")
        self.data_format = _data_format(data_format)

    def call(self, inputs):
        _check_rank(self, inputs, 4)
        first = 1 if self.data_format == "channels_last" else 2
        rows = _crop(inputs, first, *self.cropping[0], self)
        return _crop(rows, first + 1, *self.cropping[1], self)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping,
                "data_format": self.data_format}
