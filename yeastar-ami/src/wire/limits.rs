//! Limits the decoder enforces before it buffers or allocates anything more.

/// Largest ordinary frame (response or event), in bytes: 64 KiB.
///
/// The largest frames a real PBX sends are `ListCommands` responses (about 12 KiB on Asterisk 22)
/// and `SIPshowpeer` answers (about 2 KiB); 64 KiB leaves room for big dialplans while bounding
/// what a misbehaving server can make us hold.
pub const DEFAULT_MAX_FRAME_SIZE: usize = 64 * 1024;

/// Most `Key: value` fields in one frame: 512.
///
/// `DialBegin` carries about 45 fields and `Status` with `Variables` a few more per variable; 512
/// bounds the per-frame field index to 8 KiB.
pub const DEFAULT_MAX_FIELDS: usize = 512;

/// Largest `Command` answer, in bytes: 1 MiB.
///
/// CLI output (`core show channels`, `pjsip show endpoints`) grows with the PBX, so it gets its own,
/// larger bound than ordinary frames. It applies to legacy `Response: Follows` frames and to modern
/// frames carrying `Output:` lines.
pub const DEFAULT_MAX_COMMAND_OUTPUT: usize = 1024 * 1024;

/// The bounds one [`Decoder`](super::Decoder) enforces. Every bound is checked before the bytes
/// that would exceed it are kept.
///
/// Start from [`Limits::default`] (or [`Limits::new`]) and change one bound at a time with the
/// `with_*` methods; new bounds may be added in minor releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// See [`DEFAULT_MAX_FRAME_SIZE`].
    pub max_frame_size: usize,
    /// See [`DEFAULT_MAX_FIELDS`].
    pub max_fields: usize,
    /// See [`DEFAULT_MAX_COMMAND_OUTPUT`].
    pub max_command_output: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::new()
    }
}

impl Limits {
    /// The default bounds (the `DEFAULT_*` constants of this module).
    pub const fn new() -> Limits {
        Limits {
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            max_fields: DEFAULT_MAX_FIELDS,
            max_command_output: DEFAULT_MAX_COMMAND_OUTPUT,
        }
    }

    /// No bounds at all: for re-reading bytes that were already checked, never for a socket.
    pub const fn unbounded() -> Limits {
        Limits {
            max_frame_size: usize::MAX,
            max_fields: usize::MAX,
            max_command_output: usize::MAX,
        }
    }

    /// These limits with another [`max_frame_size`](Self::max_frame_size).
    #[must_use]
    pub const fn with_max_frame_size(mut self, bytes: usize) -> Limits {
        self.max_frame_size = bytes;
        self
    }

    /// These limits with another [`max_fields`](Self::max_fields).
    #[must_use]
    pub const fn with_max_fields(mut self, fields: usize) -> Limits {
        self.max_fields = fields;
        self
    }

    /// These limits with another [`max_command_output`](Self::max_command_output).
    #[must_use]
    pub const fn with_max_command_output(mut self, bytes: usize) -> Limits {
        self.max_command_output = bytes;
        self
    }
}
