//! AMI (placeholder, being written).
