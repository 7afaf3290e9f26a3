"""XML: safe parsing, schemas by namespace, the parsed-message view and retour rendering."""
