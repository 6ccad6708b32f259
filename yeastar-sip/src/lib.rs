//! SIP message layer (placeholder, being written).
