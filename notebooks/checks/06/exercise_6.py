"""Chapter 06, exercise 6: each remedy of section 8 alone."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_6"
points = 2


@test_case(points=1, failure_message="alone: two calls of fine_tuned, one with train_images, train_masks and "
           "photometric, one with mixed_images, mixed_masks and None; alone_tables: metrics.corruption_iou of "
           "each on the test scenes; alone_gains: each table's metrics.mean_corruption_iou minus "
           "plain_corruption_iou.")
def test_models_and_gains(env):
    import keras
    import numpy as np
    from segen_lib import metrics

    names = {"augmentation", "conditions"}
    alone, tables, gains = env.get("alone"), env.get("alone_tables"), env.get("alone_gains")
    for key, value in (("alone", alone), ("alone_tables", tables), ("alone_gains", gains)):
        assert isinstance(value, dict) and set(value) == names, \
            f"{key} is not a dict with the keys 'augmentation' and 'conditions' yet"
    models = [alone[name] for name in sorted(names)]
    assert all(isinstance(m, keras.Model) for m in models) and models[0] is not models[1]
    assert all(m is not env["unet"] and m is not env["robust_unet"] for m in models), "fine-tune new models"
    for name in names:
        clean = metrics.mean_iou(env["test_masks"], metrics.predict_labels(alone[name], env["test_images"]),
                                 env["num_classes"])
        assert np.isclose(tables[name]["clean"][0], clean, atol=1e-6), name
        expected = metrics.mean_corruption_iou(tables[name]) - env["plain_corruption_iou"]
        assert np.isclose(gains[name], expected, atol=1e-9), name


@test_case(points=1, failure_message="alone_shift: shift_iou(model) of section 7 for each of the two models, "
           "under the same keys as alone.")
def test_shift(env):
    import numpy as np
    from segen_lib import metrics

    shifts, alone = env.get("alone_shift"), env.get("alone")
    assert isinstance(shifts, dict) and set(shifts) == {"augmentation", "conditions"}, \
        "alone_shift is not a dict with the keys 'augmentation' and 'conditions' yet"
    images, masks = env["shifted"]["night, clear"]
    for name, shift in shifts.items():
        assert isinstance(shift, dict) and set(shift) == set(env["shifted"]), f"alone_shift[{name!r}] is not shift_iou's"
        expected = metrics.mean_iou(masks, metrics.predict_labels(alone[name], images), env["num_classes"])
        assert np.isclose(shift["night, clear"], expected, atol=1e-6), name
