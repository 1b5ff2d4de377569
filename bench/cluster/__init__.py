"""`make bench-cluster`: PS Desk as a small cluster on one machine (see __main__.py)."""
