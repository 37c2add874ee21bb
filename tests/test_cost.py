"""Model cost: chapter 01's output-size rule, MACs per layer against hand counts and
TensorFlow's own count, and latency measurement."""

import keras
import numpy as np
import pytest
from keras import layers

from segen_lib import cost
from segen_lib.models import build_unet

TF_ONLY = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TensorFlow's FLOP count needs TensorFlow")


@pytest.mark.parametrize("size, kernel, stride, padding", [(28, 5, 2, 1), (11, 3, 3, 2), (8, 2, 2, 0), (7, 7, 1, 0)])
def test_output_size_is_the_formula_and_what_keras_builds(size, kernel, stride, padding):
    expected = (size + 2 * padding - kernel) // stride + 1
    assert cost.output_size(size, kernel, stride, padding) == expected
    model = keras.Sequential([keras.Input((size, size, 1)), layers.ZeroPadding2D(padding),
                              layers.Conv2D(1, kernel, strides=stride)])
    assert model.output_shape[1] == expected
    assert cost.output_size(size, kernel, stride, "same") == -(-size // stride)


def test_macs_of_a_tiny_model_equal_a_hand_count():
    model = keras.Sequential([keras.Input((8, 10, 3)),
                              layers.Conv2D(4, 3, padding="same"),       # 8·10·4 outputs × 3·3·3
                              layers.MaxPooling2D(2),                    # 0
                              layers.Conv2D(6, 3, strides=2),            # (4,5) -> (1,2)·6 outputs × 3·3·4
                              layers.Conv2DTranspose(2, 2, strides=2),   # 1·2·6 inputs × 2·2·2
                              layers.Flatten(), layers.Dense(5)])        # (2·4·2 = 16) × 5
    by_hand = [8 * 10 * 4 * 27, 0, 1 * 2 * 6 * 36, 1 * 2 * 6 * 8, 0, 16 * 5]
    costs = cost.layer_costs(model)
    assert [c.macs for c in costs] == by_hand
    assert cost.count_macs(model) == sum(by_hand)
    assert [c.output_shape for c in costs][:4] == [(8, 10, 4), (4, 5, 4), (1, 2, 6), (2, 4, 2)]
    assert sum(c.params for c in costs) == model.count_params()
    assert costs[0].activation_bytes == 8 * 10 * 4 * 4   # float32


def test_depthwise_and_separable_convolutions_are_counted():
    model = keras.Sequential([keras.Input((6, 6, 4)), layers.DepthwiseConv2D(3, padding="same"),
                              layers.SeparableConv2D(8, 3, padding="same")])
    depthwise, separable = cost.layer_costs(model)
    assert depthwise.macs == 6 * 6 * 4 * 9
    assert separable.macs == 6 * 6 * 4 * 9 + 6 * 6 * 4 * 8
    plain = keras.Sequential([keras.Input((6, 6, 4)), layers.Conv2D(8, 3, padding="same")])
    assert cost.count_macs(plain) == 6 * 6 * 8 * 36 > separable.macs


@TF_ONLY
def test_tensorflow_counts_twice_the_macs_of_every_unet_layer():
    model = build_unet((16, 32, 3), num_classes=5, filters=(4, 8, 16))
    flops = cost.tensorflow_flops(model)
    counted = {c.name: c.macs for c in cost.layer_costs(model) if c.macs}
    assert set(flops) == set(counted)
    assert all(flops[name] == 2 * macs for name, macs in counted.items())


def test_cost_refuses_what_it_cannot_count():
    with pytest.raises(ValueError, match=r"unknown size.*fixed input_shape"):
        cost.layer_costs(build_unet((None, None, 1), filters=(4, 8)))

    class Subclassed(keras.Model):
        def call(self, x):
            return x
    with pytest.raises(ValueError, match="functional or Sequential"):
        cost.layer_costs(Subclassed())
    recurrent = keras.Sequential([keras.Input((5, 3)), layers.SimpleRNN(4)])
    with pytest.raises(ValueError, match=r"SimpleRNN has weights but no MAC formula"):
        cost.layer_costs(recurrent)
    with pytest.raises(ValueError, match="does not fit"):
        cost.output_size(3, 5)
    with pytest.raises(ValueError, match="stride"):
        cost.output_size(8, 3, stride=0)
    with pytest.raises(ValueError, match="padding"):
        cost.output_size(8, 3, padding=-1)


def test_latency_is_the_median_of_timed_calls_after_warmup():
    calls = []

    def predict(batch):
        calls.append(len(batch))
        return batch * 2
    latency = cost.measure_latency(predict, np.ones((4, 3)), warmup=2, repeats=5)
    assert calls == [4] * 7
    assert latency.batch_size == 4 and latency.repeats == 5
    assert 0 <= latency.q1_ms <= latency.median_ms <= latency.q3_ms
    assert latency.images_per_second == pytest.approx(4 / (latency.median_ms / 1000))
    with pytest.raises(ValueError, match="callable"):
        cost.measure_latency(np.ones(3), np.ones((1, 3)))
    with pytest.raises(ValueError, match="batch axis"):
        cost.measure_latency(predict, np.float32(1.0))
    with pytest.raises(ValueError, match="repeats"):
        cost.measure_latency(predict, np.ones((1, 3)), repeats=2)
