//! Call recording to WAV: 8 kHz 16-bit PCM, caller and callee as the two
//! channels of one stereo file or mixed to mono, written incrementally.
//!
//! The WAV header is rewritten at every flush, so the file on disk is always
//! playable: a crash loses at most [`RecorderConfig::flush_interval`] of audio.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::Error;

/// Sample rate of every recording.
pub const RECORDING_SAMPLE_RATE: u32 = 8000;

/// Default flush interval: a crash loses at most one second.
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_secs(1);

/// How far one side may run ahead of the other before the quiet side is
/// padded with silence; bounds the alignment queues (1 s of audio).
pub const MAX_CHANNEL_SKEW_SAMPLES: usize = RECORDING_SAMPLE_RATE as usize;

/// Longest call id kept in a file name.
pub const MAX_FILE_STEM: usize = 128;

/// How the two sides are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordingLayout {
    /// Left channel caller, right channel callee.
    Stereo,
    /// Both sides summed into one channel (saturating).
    MixedMono,
}

/// Which side of the call a frame belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallSide {
    /// The party that placed the call.
    Caller,
    /// The party that answered.
    Callee,
}

/// Recorder settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecorderConfig {
    /// Stereo or mixed mono.
    pub layout: RecordingLayout,
    /// How often the file is made consistent on disk.
    pub flush_interval: Duration,
}

impl Default for RecorderConfig {
    fn default() -> Self {
        RecorderConfig {
            layout: RecordingLayout::Stereo,
            flush_interval: DEFAULT_FLUSH_INTERVAL,
        }
    }
}

/// The file name for a call id: characters outside `[A-Za-z0-9._-]` become
/// `_`, so a SIP Call-ID like `a84b4c76e66710@pc33` cannot escape the directory.
pub fn recording_path(dir: &Path, call_id: &str) -> PathBuf {
    let stem: String = call_id
        .chars()
        .take(MAX_FILE_STEM)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = if stem.is_empty() {
        "call".to_string()
    } else {
        stem
    };
    dir.join(format!("{stem}.wav"))
}

/// Writes one call. Feed each side's decoded audio as it is played or sent.
pub struct CallRecorder<W: Write + Seek> {
    writer: Option<hound::WavWriter<W>>,
    layout: RecordingLayout,
    caller: VecDeque<i16>,
    callee: VecDeque<i16>,
    flush_every: usize,
    since_flush: usize,
    written: u64,
}

impl<W: Write + Seek> std::fmt::Debug for CallRecorder<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallRecorder")
            .field("layout", &self.layout)
            .field("written", &self.written)
            .finish()
    }
}

impl CallRecorder<BufWriter<File>> {
    /// Creates `<dir>/<call id>.wav` (see [`recording_path`]).
    pub fn create(dir: &Path, call_id: &str, config: RecorderConfig) -> Result<Self, Error> {
        let file = File::create(recording_path(dir, call_id))?;
        CallRecorder::new(BufWriter::new(file), config)
    }
}

impl<W: Write + Seek> CallRecorder<W> {
    /// Records into any seekable writer.
    pub fn new(writer: W, config: RecorderConfig) -> Result<Self, Error> {
        let spec = hound::WavSpec {
            channels: match config.layout {
                RecordingLayout::Stereo => 2,
                RecordingLayout::MixedMono => 1,
            },
            sample_rate: RECORDING_SAMPLE_RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let flush_every =
            ((config.flush_interval.as_millis() as usize * RECORDING_SAMPLE_RATE as usize) / 1000)
                .max(1);
        Ok(CallRecorder {
            writer: Some(hound::WavWriter::new(writer, spec)?),
            layout: config.layout,
            caller: VecDeque::with_capacity(MAX_CHANNEL_SKEW_SAMPLES),
            callee: VecDeque::with_capacity(MAX_CHANNEL_SKEW_SAMPLES),
            flush_every,
            since_flush: 0,
            written: 0,
        })
    }

    /// Sample frames (per channel) written so far.
    pub fn samples_written(&self) -> u64 {
        self.written
    }

    /// Adds decoded audio of one side.
    pub fn push(&mut self, side: CallSide, pcm: &[i16]) -> Result<(), Error> {
        let queue = match side {
            CallSide::Caller => &mut self.caller,
            CallSide::Callee => &mut self.callee,
        };
        queue.extend(pcm);
        self.drain(false)
    }

    fn drain(&mut self, all: bool) -> Result<(), Error> {
        let Some(writer) = self.writer.as_mut() else {
            return Err(Error::Config("recorder already finished"));
        };
        // Write what both sides have; pad the quiet side once the other is a second ahead.
        let lead = self.caller.len().max(self.callee.len());
        let target = if all || lead > MAX_CHANNEL_SKEW_SAMPLES {
            lead
        } else {
            self.caller.len().min(self.callee.len())
        };
        for _ in 0..target {
            let a = self.caller.pop_front().unwrap_or(0);
            let b = self.callee.pop_front().unwrap_or(0);
            match self.layout {
                RecordingLayout::Stereo => {
                    writer.write_sample(a)?;
                    writer.write_sample(b)?;
                }
                RecordingLayout::MixedMono => writer.write_sample(a.saturating_add(b))?,
            }
        }
        self.written += target as u64;
        self.since_flush += target;
        if self.since_flush >= self.flush_every {
            self.since_flush = 0;
            writer.flush()?;
        }
        Ok(())
    }

    /// Writes everything pending and rewrites the header.
    pub fn flush(&mut self) -> Result<(), Error> {
        self.drain(false)?;
        if let Some(writer) = self.writer.as_mut() {
            writer.flush()?;
        }
        Ok(())
    }

    /// Writes what is left (padding the shorter side) and closes the file.
    pub fn finish(mut self) -> Result<(), Error> {
        self.drain(true)?;
        if let Some(writer) = self.writer.take() {
            writer.finalize()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("yeastar-rtp-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn stereo_keeps_sides_apart_and_aligned() {
        let dir = temp_dir("stereo");
        let mut rec =
            CallRecorder::create(&dir, "abc@pbx.example", RecorderConfig::default()).unwrap();
        for _ in 0..50 {
            rec.push(CallSide::Caller, &[1000; 160]).unwrap();
            rec.push(CallSide::Callee, &[-2000; 160]).unwrap();
        }
        rec.finish().unwrap();
        let path = recording_path(&dir, "abc@pbx.example");
        assert!(path.ends_with("abc_pbx_example.wav"));
        let mut reader = hound::WavReader::open(&path).unwrap();
        assert_eq!(reader.spec().channels, 2);
        assert_eq!(reader.spec().sample_rate, 8000);
        let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
        assert_eq!(samples.len(), 2 * 8000);
        assert!(samples.chunks(2).all(|s| s == [1000, -2000]));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn mixed_mono_sums_and_pads_a_silent_side() {
        let dir = temp_dir("mono");
        let config = RecorderConfig {
            layout: RecordingLayout::MixedMono,
            ..RecorderConfig::default()
        };
        let mut rec = CallRecorder::create(&dir, "mono", config).unwrap();
        rec.push(CallSide::Caller, &[30000; 160]).unwrap();
        rec.push(CallSide::Callee, &[10000; 160]).unwrap();
        // Only the caller talks for 2 s: the callee side is padded, memory stays bounded.
        for _ in 0..100 {
            rec.push(CallSide::Caller, &[5; 160]).unwrap();
        }
        assert!(rec.caller.len() <= MAX_CHANNEL_SKEW_SAMPLES + 160);
        rec.finish().unwrap();
        let mut reader = hound::WavReader::open(recording_path(&dir, "mono")).unwrap();
        assert_eq!(reader.spec().channels, 1);
        let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
        assert_eq!(samples.len(), 160 + 16000);
        assert_eq!(samples[0], i16::MAX);
        assert_eq!(samples[200], 5);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn crash_loses_at_most_the_flush_interval() {
        let dir = temp_dir("crash");
        let mut rec = CallRecorder::create(&dir, "crash", RecorderConfig::default()).unwrap();
        // 2.5 s of audio, then the process "dies" without finishing.
        for _ in 0..125 {
            rec.push(CallSide::Caller, &[7; 160]).unwrap();
            rec.push(CallSide::Callee, &[7; 160]).unwrap();
        }
        std::mem::forget(rec);
        let reader = hound::WavReader::open(recording_path(&dir, "crash")).unwrap();
        let seconds = reader.duration() as f64 / 8000.0;
        assert!((1.5..=2.5).contains(&seconds), "{seconds} s survived");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
