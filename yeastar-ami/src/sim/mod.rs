//! The embedded PBX simulator: an in-process AMI server (being written).
