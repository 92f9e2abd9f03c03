"""Pure planning: (library, protocol, patient) -> Program, and a logged week -> an adjusted Program.
No I/O, no clock, no randomness."""
