"""Care delivered: the starts and stops of JW305/JW307 as recorded, and the signals they raise."""
