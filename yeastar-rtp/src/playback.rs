//! WAV prompts for IVR: loaded once, converted to 8 kHz mono 16-bit, played
//! frame by frame.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::error::Error;

/// Playback sample rate.
pub const PROMPT_SAMPLE_RATE: u32 = 8000;

/// Longest prompt accepted (10 minutes), checked from the header before reading.
pub const MAX_PROMPT_SECONDS: u32 = 600;

/// A prompt ready to play: 8 kHz mono PCM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    samples: Vec<i16>,
}

impl Prompt {
    /// Loads a WAV file.
    pub fn open(path: &Path) -> Result<Self, Error> {
        Prompt::from_reader(std::io::BufReader::new(std::fs::File::open(path)?))
    }

    /// Loads WAV from any reader: any channel count (averaged to mono), 8 to
    /// 32-bit integer or float samples, any rate (resampled to 8 kHz).
    pub fn from_reader<R: Read>(reader: R) -> Result<Self, Error> {
        let mut wav = hound::WavReader::new(reader)?;
        let spec = wav.spec();
        if spec.channels == 0 || spec.sample_rate == 0 {
            return Err(Error::Malformed("WAV with no channels or zero rate"));
        }
        if wav.duration() as u64 > MAX_PROMPT_SECONDS as u64 * spec.sample_rate as u64 {
            return Err(Error::LimitExceeded {
                what: "prompt seconds",
                limit: MAX_PROMPT_SECONDS as usize,
            });
        }
        let interleaved: Vec<f32> = match spec.sample_format {
            hound::SampleFormat::Float => wav.samples::<f32>().collect::<Result<_, _>>()?,
            hound::SampleFormat::Int => {
                let scale = 1.0 / (1u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
                wav.samples::<i32>()
                    .map(|s| s.map(|v| v as f32 * scale))
                    .collect::<Result<_, _>>()?
            }
        };
        let channels = spec.channels as usize;
        let mono: Vec<f32> = interleaved
            .chunks_exact(channels)
            .map(|frame| frame.iter().sum::<f32>() / channels as f32)
            .collect();
        let resampled = resample(&mono, spec.sample_rate, PROMPT_SAMPLE_RATE);
        Ok(Prompt {
            samples: resampled
                .iter()
                .map(|&v| (v * 32767.0).clamp(-32768.0, 32767.0) as i16)
                .collect(),
        })
    }

    /// A prompt from 8 kHz mono samples.
    pub fn from_samples(samples: Vec<i16>) -> Self {
        Prompt { samples }
    }

    /// The samples.
    pub fn samples(&self) -> &[i16] {
        &self.samples
    }

    /// Duration at 8 kHz.
    pub fn duration(&self) -> std::time::Duration {
        std::time::Duration::from_micros(self.samples.len() as u64 * 125)
    }
}

/// Resamples with linear interpolation; when lowering the rate, each output
/// sample first averages the input span it covers, a box filter that keeps
/// most aliasing out of the telephone band.
fn resample(input: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || input.is_empty() {
        return input.to_vec();
    }
    let ratio = from as f64 / to as f64;
    let out_len = ((input.len() as f64) / ratio).floor() as usize;
    let mut out = Vec::with_capacity(out_len);
    for n in 0..out_len {
        let pos = n as f64 * ratio;
        if ratio > 1.0 {
            let start = pos as usize;
            let end = ((pos + ratio) as usize).clamp(start + 1, input.len());
            let span = &input[start..end];
            out.push(span.iter().sum::<f32>() / span.len() as f32);
        } else {
            let i = pos as usize;
            let frac = (pos - i as f64) as f32;
            let a = input[i];
            let b = input.get(i + 1).copied().unwrap_or(a);
            out.push(a + (b - a) * frac);
        }
    }
    out
}

/// Plays a shared prompt one frame at a time.
#[derive(Debug, Clone)]
pub struct PromptPlayer {
    prompt: Arc<Prompt>,
    position: usize,
}

impl PromptPlayer {
    /// Starts at the beginning.
    pub fn new(prompt: Arc<Prompt>) -> Self {
        PromptPlayer {
            prompt,
            position: 0,
        }
    }

    /// Fills `frame` with the next samples (the last frame padded with
    /// silence); `false` once the prompt is over.
    pub fn next_frame(&mut self, frame: &mut [i16]) -> bool {
        let rest = &self.prompt.samples[self.position.min(self.prompt.samples.len())..];
        if rest.is_empty() {
            return false;
        }
        let n = rest.len().min(frame.len());
        frame[..n].copy_from_slice(&rest[..n]);
        frame[n..].fill(0);
        self.position += n;
        true
    }

    /// True when every sample was played.
    pub fn finished(&self) -> bool {
        self.position >= self.prompt.samples.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav_bytes(spec: hound::WavSpec, samples: impl Iterator<Item = i16>) -> Vec<u8> {
        let mut cursor = std::io::Cursor::new(Vec::new());
        let mut writer = hound::WavWriter::new(&mut cursor, spec).unwrap();
        for s in samples {
            writer.write_sample(s).unwrap();
        }
        writer.finalize().unwrap();
        cursor.into_inner()
    }

    fn spec(channels: u16, rate: u32) -> hound::WavSpec {
        hound::WavSpec {
            channels,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        }
    }

    #[test]
    fn eight_khz_mono_loads_unchanged() {
        let bytes = wav_bytes(spec(1, 8000), (0..800).map(|i| (i * 10) as i16));
        let prompt = Prompt::from_reader(&bytes[..]).unwrap();
        assert_eq!(prompt.samples().len(), 800);
        assert!((prompt.samples()[500] - 5000).abs() <= 1);
        assert_eq!(prompt.duration(), std::time::Duration::from_millis(100));
    }

    #[test]
    fn stereo_44k_is_mixed_down_and_resampled() {
        // A 400 Hz tone at 44.1 kHz stereo, one second.
        let tone = |i: usize| {
            (10000.0 * (2.0 * std::f64::consts::PI * 400.0 * i as f64 / 44100.0).sin()) as i16
        };
        let bytes = wav_bytes(spec(2, 44100), (0..44100).flat_map(|i| [tone(i), tone(i)]));
        let prompt = Prompt::from_reader(&bytes[..]).unwrap();
        assert!((7990..=8000).contains(&prompt.samples().len()));
        // Still a 400 Hz tone: zero crossings ≈ 800 per second.
        let crossings = prompt
            .samples()
            .windows(2)
            .filter(|w| (w[0] < 0) != (w[1] < 0))
            .count();
        assert!((790..=810).contains(&crossings), "{crossings}");
        let peak = prompt
            .samples()
            .iter()
            .map(|s| s.unsigned_abs())
            .max()
            .unwrap();
        assert!((9000..=10100).contains(&peak), "{peak}");
    }

    #[test]
    fn player_pads_the_last_frame_and_stops() {
        let mut player = PromptPlayer::new(Arc::new(Prompt::from_samples(vec![9; 200])));
        let mut frame = [1i16; 160];
        assert!(player.next_frame(&mut frame));
        assert!(frame.iter().all(|&s| s == 9));
        assert!(player.next_frame(&mut frame));
        assert_eq!((frame[39], frame[40]), (9, 0));
        assert!(player.finished());
        assert!(!player.next_frame(&mut frame));
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(matches!(
            Prompt::from_reader(&b"not a wav file"[..]),
            Err(Error::Wav(_))
        ));
    }
}
