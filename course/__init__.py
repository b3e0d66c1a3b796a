"""The course's machinery, kept apart from the science in ``helpers``.

- :mod:`course.run`             the main job, runs the numbered notebooks (``python -m course.run``)
- :mod:`course.results_page`    ``figures/README.md`` and the README's performance table, from the results
- :mod:`course.benchmark`       throughput benchmarks (``python -m course.benchmark …``)
- :mod:`course.check_notebooks` the committed notebooks' output policy (``python -m course.check_notebooks``)

``course`` imports ``helpers``; ``helpers`` never imports ``course``.
"""
