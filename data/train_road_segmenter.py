"""Train the fixed road-scene segmenter whose predictions define the course's FCN-score.

Writes ``data/road_segmenter.keras`` (about 2 MB). The segmenter is chapter 06's U-Net
(filters 16-32-64-128, Dice + cross-entropy) trained on 3,000 drawn road scenes of
32×64 pixels in daylight and clear weather (``make_road_scenes(..., seed=100)``, a seed
no chapter uses for its own scenes). It takes images ``(batch, 32, 64, 3)`` float32 in
[0, 1] and outputs softmax probabilities over the 19 Cityscapes train ids.

The FCN-score of pix2pix (Isola et al., 2017; chapter 08) segments *generated* scenes
with such a fixed network and compares the result with the label maps the scenes were
generated from: the better the scenes, the closer the score to the segmenter's own
score on real scenes. :func:`segen_lib.metrics.fcn_score` loads this file.

Training is deterministic (fixed seed, TensorFlow op determinism) and takes about 5 CPU
minutes. Run from the repository root::

    python data/train_road_segmenter.py
    python data/build_data.py --checksums-only road_segmenter.keras   # then record its SHA-256
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402

from segen_lib import losses, metrics, runtime  # noqa: E402
from segen_lib.label_spaces import CITYSCAPES_CLASS_NAMES  # noqa: E402
from segen_lib.models import build_unet  # noqa: E402
from segen_lib.synthetic import ROAD_CLASS_NAMES, make_road_scenes  # noqa: E402

DATA_DIR = Path(__file__).resolve().parent   # data/, where the trained file is written

IMAGE_SIZE = (32, 64)
TRAIN_SEED, TEST_SEED = 100, 101   # scenes of their own: no chapter draws with these seeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--scenes", type=int, default=3000)
    parser.add_argument("--output", type=Path, default=DATA_DIR / "road_segmenter.keras")
    args = parser.parse_args()
    runtime.setup(seed=0, deterministic=True)
    num_classes = len(CITYSCAPES_CLASS_NAMES)
    images, masks = make_road_scenes(args.scenes, image_size=IMAGE_SIZE, seed=TRAIN_SEED)
    test_images, test_masks = make_road_scenes(500, image_size=IMAGE_SIZE, seed=TEST_SEED)
    model = build_unet(IMAGE_SIZE + (3,), num_classes=num_classes, filters=(16, 32, 64, 128),
                       name="road_segmenter")
    steps = args.epochs * -(-args.scenes // 16)
    schedule = keras.optimizers.schedules.CosineDecay(3e-3, steps, alpha=0.02)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss=losses.DiceCrossentropy(num_classes))
    model.fit(images, masks, batch_size=16, epochs=args.epochs, verbose=2)
    report = metrics.segmentation_report(test_masks, metrics.predict_labels(model, test_images),
                                         num_classes, CITYSCAPES_CLASS_NAMES)
    drawn = {name: row for name, row in report.items() if name in ROAD_CLASS_NAMES or name == "mean"}
    print(f"test scenes (seed {TEST_SEED}, {len(test_images)}):")
    print(metrics.format_report(drawn))
    # Save a plain functional model (no optimizer state, no course-specific class to register).
    clean = keras.Model(model.inputs, model.outputs, name="road_segmenter")
    clean.save(args.output)
    print(f"wrote {args.output} ({args.output.stat().st_size / 1024:.0f} kB)")
    print(f"record its SHA-256 with: python data/build_data.py --checksums-only {args.output.name}")


if __name__ == "__main__":
    main()
