"""Running the back office: users and their log-in counters, the access log, and retention."""
