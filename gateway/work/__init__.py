"""The task edge: work that runs in transactions of its own, beside the tasks that call it.

Each function here takes a sessionmaker and opens its units of work (`unit_of_work`): the
outbox's claim, run and failure record, a webhook's claim and record around the POST, the
retention purge's batches. What happens inside one transaction lives in `gateway.domain`,
which adds and flushes in the session it is given and never commits. The Celery tasks
(tasks/verwerking.py) and the CLI call these; tests call them directly.
"""
