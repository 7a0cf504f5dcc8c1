"""The lm-evaluation-harness task folder (``bench lm-eval-path`` prints it).

``alaska_summit.yaml`` declares the task ``alaska_summit``; ``alaska_summit.py``
holds its documents, prompt, reply parsing, per-document scores and
aggregations. The harness is an optional extra (``pip install -e ".[lm-eval]"``):
nothing else in the package imports this folder.
"""

from pathlib import Path

TASK_DIR = Path(__file__).resolve().parent
TASK_NAME = "alaska_summit"
