//! RTP media (placeholder, being written).
