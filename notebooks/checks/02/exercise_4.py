"""Chapter 02, exercise 4: the digit U-Net trained with plain cross-entropy, against CE + Dice."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_4"
points = 3


@test_case(points=1, failure_message="ce_unet: build_unet like digit_unet, set_weights(initial_weights), compile "
           "with loss=\"sparse_categorical_crossentropy\" and Adam on a new CosineDecay built like digit_unet's "
           "(learning_rate, decay_steps=epochs * len(train_scenes), alpha=0.02), then fit on freshly drawn "
           "scenes (digit_scene_dataset with the same arguments) for ce_epochs epochs.")
def test_model(env):
    import keras
    import numpy as np

    model = env.get("ce_unet")
    assert isinstance(model, keras.Model), "ce_unet is not a Keras model yet"
    assert model.count_params() == env["digit_unet"].count_params()
    loss = model.loss
    assert loss == "sparse_categorical_crossentropy" or isinstance(loss, keras.losses.SparseCategoricalCrossentropy)
    steps = int(np.asarray(model.optimizer.iterations))
    assert steps == env["ce_epochs"] * len(env["train_scenes"]), "trained for a different number of steps"
    schedule = keras.optimizers.schedules.CosineDecay(env["learning_rate"], env["epochs"] * len(env["train_scenes"]),
                                                      alpha=0.02)
    assert np.isclose(float(np.asarray(model.optimizer.learning_rate)), float(np.asarray(schedule(steps))))


@test_case(points=1, failure_message="ce_ious: validation_ious(ce_unet), the 11 per-class IoUs on the validation "
           "scenes, as the callback records them for the CE + Dice model.")
def test_ious(env):
    import numpy as np

    ious = env.get("ce_ious")
    assert isinstance(ious, np.ndarray) and ious.shape == (11,), "ce_ious is not an array of 11 IoUs yet"
    assert np.allclose(ious, env["validation_ious"](env["ce_unet"]), atol=1e-6, equal_nan=True)


@test_case(points=1, failure_message="dice_ahead_on_average: compare the means over the digits (classes 1 to 10, "
           "np.nanmean) of dice_ious and ce_ious; digits_ahead: count the digits where dice_ious is the larger.")
def test_comparison(env):
    import numbers

    import numpy as np

    dice_ious, ce_ious = env["val_ious"][env["ce_epochs"] - 1], env.get("ce_ious")
    assert isinstance(env.get("dice_ahead_on_average"), (bool, np.bool_)), "dice_ahead_on_average is not True or False yet"
    assert isinstance(env.get("digits_ahead"), numbers.Integral), "digits_ahead is not an integer yet"
    assert env["dice_ahead_on_average"] == (np.nanmean(dice_ious[1:]) > np.nanmean(ce_ious[1:]))
    assert env["digits_ahead"] == np.sum(dice_ious[1:] > ce_ious[1:])
