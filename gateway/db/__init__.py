"""Database: models, engine and session handling, migrations."""
from gateway.db import maandtotalen

# Every process that writes imports the models, so every ORM session keeps the finance
# report's month totals in the transaction of its writes (gateway.db.maandtotalen).
maandtotalen.install()
