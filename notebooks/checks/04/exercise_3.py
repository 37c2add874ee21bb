"""Chapter 04, exercise 3: a generator and a discriminator for 64×64 RGB images that fit together."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_3"
points = 2


@test_case(points=1, failure_message="g64 and d64: build_generator and build_discriminator take "
           "image_shape=(64, 64, 3); each entry of filters is one stage that doubles (generator) or halves "
           "(discriminator) the size, and 64 must be divisible by 2 ** len(filters).")
def test_shapes(env):
    import keras
    import numpy as np

    g64, d64 = env.get("g64"), env.get("d64")
    assert isinstance(g64, keras.Model) and isinstance(d64, keras.Model), "g64 or d64 is not a Keras model yet"
    assert tuple(g64.output_shape) == (None, 64, 64, 3)
    assert tuple(d64.input_shape) == (None, 64, 64, 3) and tuple(d64.output_shape) == (None, 1)
    noise = np.random.default_rng(0).normal(size=(2,) + tuple(g64.input_shape[1:])).astype("float32")
    assert tuple(d64(g64(noise, training=False), training=False).shape) == (2, 1)   # they fit together


@test_case(points=1, failure_message="gan64: the library's GAN of your two networks, built as section 4 "
           "builds the chapter's gan (it refuses networks that do not fit).")
def test_gan(env):
    from segen_lib.models import GAN

    gan64 = env.get("gan64")
    assert isinstance(gan64, GAN), "gan64 is not a GAN yet"
    assert gan64.generator is env["g64"] and gan64.discriminator is env["d64"]
