"""Benchmarks and load tools for Säg det!, beside the product rather than inside it.

`python -m bench <name>` runs one (`python -m bench load --help`). The product packages (`game`,
`asr`, `app.py`) never import this package; it imports them.
"""
