//! The sans-IO AMI session and its tokio driver (being written).
