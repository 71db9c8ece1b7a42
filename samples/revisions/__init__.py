"""One module per revision of the sample series (see samples/series.py)."""
