"""Reading what a back-office page receives (a form's fields, a page's query parameters)
into the input of a service or a read model, with a Dutch error per field. Pure functions
of the posted values; no queries."""
