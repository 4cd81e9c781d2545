"""The rules of the bench, apart from storage: who may do what, what a record must carry.

Services work against the repository interfaces in `repository.py`; the SQLite store implements
them on the bench (`workstation.store`), the hub will on PostgreSQL. Nothing here imports SQL.
"""
