"""From request to toewijzing: the aanvraag and its form, the CJG's decision, the beschikking,
the toewijzingen and their JW301/JW319, and the client records they carry."""
