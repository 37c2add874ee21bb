"""Chapter 06, exercise 5: the control, the same extra epochs on clean scenes without augmentation."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_5"
points = 2


@test_case(points=1, failure_message="control_unet: fine_tuned(train_images, train_masks, None) returns a copy of "
           "the plain U-Net trained tune_epochs more epochs on the clean scenes; control_table: "
           "metrics.corruption_iou of that model on the test scenes, as for plain_table.")
def test_model_and_table(env):
    import keras
    import numpy as np
    from segen_lib import metrics

    model, table = env.get("control_unet"), env.get("control_table")
    assert isinstance(model, keras.Model), "control_unet is not a Keras model yet"
    assert model is not env["unet"] and model is not env["robust_unet"], "control_unet must be a new model"
    assert len(model.get_weights()) == len(env["unet"].get_weights())
    assert any(not np.array_equal(a, b) for a, b in zip(model.get_weights(), env["unet"].get_weights())), \
        "control_unet has the plain model's weights: fine-tune it"
    assert isinstance(table, dict) and set(table) == set(env["plain_table"]), \
        "control_table is not a corruption_iou table yet"
    test_images, test_masks = env["test_images"], env["test_masks"]
    clean = metrics.mean_iou(test_masks, metrics.predict_labels(model, test_images), env["num_classes"])
    assert np.isclose(table["clean"][0], clean, atol=1e-6)


@test_case(points=1, failure_message="control_gain: metrics.mean_corruption_iou of control_table minus "
           "plain_corruption_iou, the same measure as gain in section 8.")
def test_gain(env):
    import numpy as np
    from segen_lib import metrics

    control_gain = env.get("control_gain")
    assert isinstance(control_gain, (float, np.floating)), "control_gain is not a number yet"
    expected = metrics.mean_corruption_iou(env["control_table"]) - env["plain_corruption_iou"]
    assert np.isclose(control_gain, expected, atol=1e-9)
