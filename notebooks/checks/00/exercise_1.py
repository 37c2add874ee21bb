"""Chapter 00, exercise 1: the environment report's row for Keras against a pin of 3.0.0."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_1"
points = 2


@test_case(points=1, failure_message="keras_row: call runtime.environment_report with the dict {\"keras\": \"3.0.0\"}; "
           "it returns a list of rows, one per package of the dict first, then the backend and the device. "
           "Take the row whose name is 'keras'.")
def test_row(env):
    from segen_lib import runtime

    row = env.get("keras_row")
    assert isinstance(row, runtime.EnvironmentRow), "keras_row is not a row of the report yet"
    assert (row.name, row.tested) == ("keras", "3.0.0")
    assert row == runtime.environment_report({"keras": "3.0.0"})[0]


@test_case(points=1, failure_message="keras_status: read the status field of keras_row (keras_row.status): "
           "one of ok, differs, missing, untested. The row's advice then says what to do.")
def test_status(env):
    from segen_lib import runtime

    assert isinstance(env.get("keras_status"), str), "keras_status is not a string yet"
    assert env["keras_status"] == runtime.environment_report({"keras": "3.0.0"})[0].status
