"""The lab: loopback servers (HTTPS with a generated CA, DNS, NTP, HTTP apps) and
scenarios that tests and ``login-doctor demo`` share. Nothing here ever leaves
loopback."""
