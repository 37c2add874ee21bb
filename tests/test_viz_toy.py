"""segen_lib.viz.toy: figures are returned with the expected panels, bad input is a clear error."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from segen_lib import synthetic, viz


def test_curves_draws_one_line_per_function_dashed_when_asked():
    x = np.linspace(0.01, 1, 20)
    fig = viz.curves(x, {"a": x, "--b": 1 - x}, xlabel="D", logx=True)
    ax = fig.axes[0]
    assert isinstance(fig, Figure) and len(ax.lines) == 2
    assert ax.lines[1].get_linestyle() == "--"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    assert ax.get_xscale() == "log"


def test_gan_1d_panels_has_a_panel_and_a_d_axis_per_snapshot():
    x = np.linspace(-4, 4, 50)
    density = synthetic.mixture_pdf(x, means=[0.0], stds=1.0)
    samples = [np.random.default_rng(i).normal(size=200) for i in range(4)]
    d_values = [np.full(50, 0.5)] * 4
    fig = viz.gan_1d_panels(x, density, [0, 10, 20, 30], samples, d_values, ncols=2)
    assert len(fig.axes) == 8  # 4 panels, each with a twin axis for D(x)
    assert fig.axes[0].get_title() == "step 0"


def test_scatter_panels_one_axis_per_sample_set_with_titles():
    centres = synthetic.ring_centres()
    sets = [synthetic.sample_ring(100, seed=s) for s in range(3)]
    fig = viz.scatter_panels(sets, ["a", "b", "c"], centres=centres, ncols=2, limit=3)
    assert len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes] == ["a", "b", "c"]
    assert fig.axes[0].get_xlim() == (-3, 3)


@pytest.mark.parametrize("call, message", [
    (lambda: viz.curves([0, 1], {}), "non-empty mapping"),
    (lambda: viz.curves([0, 1], {"a": [1, 2, 3]}), r"curve 'a' has shape \(3,\), expected \(2,\)"),
    (lambda: viz.gan_1d_panels([0, 1], [1, 1], [0], [[0.0]], [[0.5, 0.5], [0.5, 0.5]]),
     "one entry per snapshot, received 1, 1 and 2"),
    (lambda: viz.gan_1d_panels([0, 1], [1, 1, 1], [0], [[0.0]], [[0.5, 0.5]]), "data_density must have shape"),
    (lambda: viz.gan_1d_panels([0, 1], [1, 1], [], [], []), "received 0 snapshots"),
    (lambda: viz.scatter_panels([np.zeros((5, 3))], ["a"]), r"shape \(num_samples, 2\), received \(5, 3\)"),
    (lambda: viz.scatter_panels([np.zeros((5, 2))], ["a", "b"]), "1 sample sets but 2 titles"),
    (lambda: viz.scatter_panels([np.zeros((5, 2))], ["a"], ncols=0), "ncols must be an integer >= 1, received 0"),
    (lambda: viz.scatter_panels([np.zeros((5, 2))], ["a"], limit=-3), r"limit must be a number in \(0, inf\]"),
    (lambda: viz.gan_1d_panels([0, 1], [1, 1], [0], [[0.0]], [[0.5, 0.5]], bins=0),
     "bins must be an integer >= 1, received 0"),
])
def test_bad_arguments_are_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
