//! The call model: calls, extension states and call history from AMI events (being written).
