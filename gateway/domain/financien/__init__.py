"""Money: declarations (JW323) booked, the volume report, and the providers' spending caps."""
