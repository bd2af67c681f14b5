"""tf.keras.layers (re-exports only)."""

from twinflow.keras.base_layer import InputSpec, Layer  # noqa: F401
from twinflow.keras.functional import Input, InputLayer  # noqa: F401
from twinflow.keras.layers.core import (  # noqa: F401
    Activation, Dense, Dropout, Flatten, Lambda, Permute, RepeatVector, Reshape)
from twinflow.keras.layers.convolutional import (  # noqa: F401
    AveragePooling1D, AveragePooling2D, Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D,
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
    MaxPooling1D, MaxPooling2D, SeparableConv2D)
from twinflow.keras.layers.embedding import Embedding  # noqa: F401
from twinflow.keras.layers.merge import (  # noqa: F401
    Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average,
    concatenate, dot, maximum, minimum, multiply, subtract)
from twinflow.keras.layers.normalization import (  # noqa: F401
    BatchNormalization, LayerNormalization, Normalization)
from twinflow.keras.layers.recurrent import (  # noqa: F401
    GRU, LSTM, RNN, Bidirectional, GRUCell, LSTMCell, SimpleRNN, SimpleRNNCell, TimeDistributed)
from twinflow.keras.layers.reshaping import (  # noqa: F401
    Cropping1D, Cropping2D, UpSampling1D, UpSampling2D, ZeroPadding1D, ZeroPadding2D)

Convolution2D, MaxPool2D, AvgPool2D = Conv2D, MaxPooling2D, AveragePooling2D
Convolution1D, MaxPool1D, AvgPool1D = Conv1D, MaxPooling1D, AveragePooling1D
from twinflow.keras.layers.preprocessing import (  # noqa: F401
    IntegerLookup, StringLookup, TextVectorization)
