"""Reports: the facts worth reporting on a contact, the contribution statement and the service
report, their charts and exports."""
