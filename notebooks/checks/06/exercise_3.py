"""Chapter 06, exercise 3: both models on scenes at night and in rain."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_3"
points = 2


@test_case(points=1, failure_message="night_rain: synthetic.make_road_scenes with num_test scenes, the chapter's "
           "image_size, lighting=\"night\" and weather=\"rain\", and the seed of the test scenes (section 1), so "
           "that the layouts are the test set's and only the rendering changes.")
def test_scenes(env):
    import numpy as np
    from segen_lib import synthetic

    scenes = env.get("night_rain")
    assert isinstance(scenes, tuple) and len(scenes) == 2, "night_rain is not (images, masks) yet"
    images, masks = scenes
    assert np.array_equal(masks, env["test_masks"])
    expected = synthetic.make_road_scenes(2, image_size=env["image_size"], seed=2, lighting="night", weather="rain")
    assert np.allclose(images[:2], expected[0])


@test_case(points=1, failure_message="night_rain_iou: for each model (unet and robust_unet), predict the labels "
           "of night_rain's images with metrics.predict_labels and score them against its masks with "
           "metrics.mean_iou(masks, predicted, num_classes); keys \"plain\" and \"augmented\".")
def test_iou(env):
    import numpy as np
    from segen_lib import metrics

    ious = env.get("night_rain_iou")
    assert isinstance(ious, dict) and set(ious) == {"plain", "augmented"}, \
        "night_rain_iou is not a dict with the keys 'plain' and 'augmented' yet"
    images, masks = env["night_rain"]
    for key, model in (("plain", env["unet"]), ("augmented", env["robust_unet"])):
        expected = metrics.mean_iou(masks, metrics.predict_labels(model, images), env["num_classes"])
        assert np.isclose(ious[key], expected, atol=1e-6), key
