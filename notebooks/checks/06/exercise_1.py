"""Chapter 06, exercise 1: the corruptions that cost the plain model most and least at severity 1."""
from otter.test_files import test_case

OK_FORMAT = False
name = "exercise_1"
points = 1


@test_case(points=1, failure_message="worst_corruption and least_harmful: each row of plain_table lists the mean "
           "IoU at severities 1, 2, 3, so severity 1 is row[0]; leave out the \"clean\" row and take the names "
           "with the lowest and the highest value.")
def test_corruptions(env):
    table = env["plain_table"]
    first = {name: row[0] for name, row in table.items() if name != "clean"}
    for key in ("worst_corruption", "least_harmful"):
        assert env.get(key) in first, f"{key} is not the name of a corruption of plain_table yet"
    assert first[env["worst_corruption"]] == min(first.values())
    assert first[env["least_harmful"]] == max(first.values())
