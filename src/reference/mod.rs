//! Arbitrary-precision, correctly rounded reference values of every helper (the project's source of truth).
