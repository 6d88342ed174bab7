"""`bercy-graph harvest`: the portals' catalogs and files into dated snapshots (docs/HARVEST.md).

http.py the one robust client; opendatasoft.py and udata.py the two portal APIs; records.py the
per-record canonical hashes; snapshot_writer.py the snapshot layout and pruning; config.py what to
harvest; run.py one run and its policies (failures, grace period, exit codes).
"""
