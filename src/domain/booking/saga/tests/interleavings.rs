//! Placeholder: replaced by the interleaving simulation.
