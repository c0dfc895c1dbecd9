"""Test helpers shared by every module's tests (never imported by service code)."""
