"""Batch runs: many runs of a scenario, chunked into lanes, on local processes or a Dask cluster.

This layer builds on the model (``sim``) and never the other way round.
"""

from .engine import Jobs, run_jobs
from .results import BatchResult, run_batch

__all__ = ["BatchResult", "Jobs", "run_batch", "run_jobs"]
