"""/api/v1/schedules: periodic jobs of a tenant."""
