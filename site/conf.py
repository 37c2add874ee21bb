"""Sphinx configuration of the course site (``make site``; pages written by ``segen_lib.site``).

Sphinx with MyST-NB: the executed chapters of ``build/`` are rendered with the outputs
they have (nothing is executed here), with Sphinx's own offline search, the Furo theme's
navigation between chapters, and MathJax served from the site itself, so that the site
works without a network.
"""

project = "segen"
author = "the segen authors"
copyright = "the segen authors; data under the licences of the data page"

extensions = ["myst_nb"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

nb_execution_mode = "off"          # the chapters were executed by `make course`
nb_ipywidgets_js = {}              # no widget state is stored; load nothing from a CDN
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type", "misc.highlighting_failure"]

html_theme = "furo"
html_title = "segen: image segmentation and generation"
html_static_path = ["_static"]
html_favicon = "favicon.svg"   # a U: the shape of the network the course starts from
html_show_sourcelink = False
html_copy_source = False
# MathJax 2.7 as packaged by the Jupyter project (jupyter-server-mathjax), copied into _static.
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
# That package ships the STIX-Web fonts only (as Jupyter's own configuration uses them).
# Its HTML-CSS output declares a blank probe font at about:blank, which Chromium reports as a
# failed request; a local() source that does not exist serves the same purpose silently.
mathjax2_config = {"HTML-CSS": {"availableFonts": [], "webFont": "STIX-Web", "preferredFont": None,
                                "imageFont": None,
                                "styles": {"@font-face": {"font-family": "MathJax_Blank",
                                                          "src": "local('MathJax_Blank')"}}},
                   # MyST-NB marks each page "tex2jax_ignore" and its equations "math".
                   "tex2jax": {"processClass": "tex2jax_process|mathjax_process|math|output_area"}}
