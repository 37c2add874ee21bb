"""Sphinx configuration of the course site (``make site``; pages written by ``segen_course.site``).

Sphinx with MyST-NB: the executed chapters of ``build/`` are rendered with the outputs
they have (nothing is executed here), with Sphinx's own offline search, the Furo theme's
navigation between chapters, and MathJax served from the site itself, so that the site
works without a network.
"""

project = "segen"
author = "the segen authors"
copyright = "the segen authors; data under the licences of the data page"

# sphinx-mathjax-offline copies MathJax 3 (CHTML output, its fonts) into the site: no CDN.
extensions = ["myst_nb", "sphinx-mathjax-offline"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

nb_execution_mode = "off"          # the chapters were executed by `make course`
nb_ipywidgets_js = {}              # no widget state is stored; load nothing from a CDN
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "attrs_block"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type", "misc.highlighting_failure"]

html_theme = "furo"
html_title = "segen: image segmentation and generation"
html_static_path = ["_static"]
html_css_files = ["segen.css"]
html_favicon = "favicon.svg"   # a U: the shape of the network the course starts from
html_show_sourcelink = False
html_copy_source = False
