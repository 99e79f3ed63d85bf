"""Statistics computed from stored results only (numpy, scipy, pandas; never torch)."""
