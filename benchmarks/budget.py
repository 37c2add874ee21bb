"""Wall-clock training budget shared by the benchmarks (unet.py, gan.py)."""

import time

import keras


class TimeBudget(keras.callbacks.Callback):
    """Stop training at the end of the first batch that finishes past ``seconds``; count batches.

    With ``compile(steps_per_execution=n)`` the callbacks run once per ``n`` steps, so
    ``batches`` counts calls, not steps: count steps from the optimizer instead.
    """

    def __init__(self, seconds: float, batch_size: int):
        super().__init__()
        self.seconds, self.batch_size = seconds, batch_size
        self.start, self.batches = None, 0

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1
        if time.perf_counter() - self.start >= self.seconds:
            self.model.stop_training = True

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    @property
    def images(self) -> int:
        return self.batches * self.batch_size
