"""segen_course: the tooling around the course, apart from the library the notebooks import.

- :mod:`~segen_course.runner`: ``python -m segen_course run`` executes every notebook
  headless and writes the executed course and ``build/report.md`` (``make course``).
- :mod:`~segen_course.report`: the run's record (one result per chapter, key metrics).
- :mod:`~segen_course.stop`: stopping a run cleanly on Ctrl-C or SIGTERM.
- :mod:`~segen_course.editions`: the student edition, without the solution cells
  (``make student``).
- :mod:`~segen_course.site`: the course site built from the executed notebooks (``make site``).

This package imports :mod:`segen_lib`; :mod:`segen_lib` never imports it. Notebooks print
their key results with :func:`segen_lib.runtime.report_metric`, and the runner reads the
printed lines.
"""
