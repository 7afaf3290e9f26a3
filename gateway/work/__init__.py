"""The outbox machinery, apart from the domain: what work a row asks for and the handler that
does it (`queue`), the retry policy and claims (`attempts`), webhook notices
(`webhook_notices`), publishing committed rows to the broker (`relay`,
`background_publisher`), and the runners that open their own units of work around them
(`outbox`, `webhooks`, `bewaartermijn`: the outbox's claim, run and failure record, a
webhook's claim and record around the POST, the retention purge's batches).

The runners take a sessionmaker; everything else works in the session it is given and never
commits. The Celery tasks (tasks/verwerking.py) and the CLI call the runners; tests call them
directly.
"""
