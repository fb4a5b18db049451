"""Database schedules: beat creates one job per tick of every enabled interval schedule."""
