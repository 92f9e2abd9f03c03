"""What a Program becomes besides the handout: JSON, a calendar, the terminal preview, JSON
schemas; and the one way files are written (atomically)."""
