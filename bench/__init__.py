"""Benchmarks and load tools for Säg det!, beside the product rather than inside it.

`python -m bench <name>` runs one (`python -m bench speed --help`, `python -m bench load --help`).
The product packages (`asr`, `game`, `train`, `app.py`) never import this package; it imports
them (tests/test_layout.py checks). `bench.checkpoints` builds random-weight Whisper checkpoints
for the benchmarks and for the tests.
"""
