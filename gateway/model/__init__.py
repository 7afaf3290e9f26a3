"""The pure part of the domain: values and judgements that read no database and write
nothing (deliveries, assignments as the rules see them, declarations judged, norms, working
days). The rules import these; the services around them (the other parts of `domain/`) load
and store them."""
