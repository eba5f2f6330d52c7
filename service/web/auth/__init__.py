"""Signing in and the account: sign-in, registration, password, two-step sign-in, API tokens."""
