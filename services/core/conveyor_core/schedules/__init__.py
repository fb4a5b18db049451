"""Schedules: periodic jobs of a tenant, by cron expression or fixed interval.

One definition for the api (create, change, run now) and beat (fire what is due)."""
