"""Load and fault runs (`make load`, `make faults`): see docs/RELIABILITY.md."""
