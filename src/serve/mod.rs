//! `kbgen serve`: not yet written.
