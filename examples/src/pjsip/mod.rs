//! The pieces of `pjsip-service`: the IVR state machine ([`ivr`]), its prompts (WAV files or
//! built-in tones), the recordings directory, and the task that runs the IVR on one answered
//! call ([`run_ivr_call`]).

pub mod ivr;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};
use yeastar_rtp::playback::{Prompt, PromptPlayer};
use yeastar_rtp::recording::{CallRecorder, CallSide, RecorderConfig, RecordingLayout};
use yeastar_sip::driver::{CallUpdate, MediaOptions, SipCall};
use yeastar_sip::ua::TransferProgress;

use crate::ConfigError;
use crate::sip::{FRAME, tone};
use ivr::{Ivr, IvrAction, IvrConfig, IvrState, PromptId};

/// Most recordings `GET /recordings` lists (newest first).
pub const MAX_LISTED_RECORDINGS: usize = 1000;
/// Received frames the echo test holds (200 ms): more means the caller's audio comes faster
/// than we send, and the oldest goes.
pub const ECHO_QUEUE_FRAMES: usize = 10;

fn config_error(variable: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        reason: reason.into(),
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The IVR's prompts: `IVR_PROMPTS_DIR`'s WAV files (8 kHz mono or anything `Prompt` converts),
/// a built-in tone for each one missing.
#[derive(Debug, Clone)]
pub struct Prompts {
    prompts: HashMap<PromptId, Arc<Prompt>>,
    /// Where each came from: the file, or `None` for the tone.
    files: HashMap<PromptId, PathBuf>,
}

/// Notes of `hz` for `ms` milliseconds, each followed by `gap` milliseconds of silence.
fn notes(list: &[(f64, u64)], gap: u64) -> Vec<i16> {
    let mut samples = Vec::new();
    for &(hz, ms) in list {
        samples.extend(tone(hz, Duration::from_millis(ms), 6000.0));
        samples.extend(std::iter::repeat_n(0, gap as usize * 8));
    }
    samples
}

impl Prompts {
    /// The built-in tones: a rising chime (greeting), two short notes (menu), two high beeps
    /// (echo), a long beep (record), a falling pair (saved), three pips (transfer), a low buzz
    /// (invalid), a falling chime (goodbye). None of them is at 1 kHz, the test tone of the
    /// peers.
    pub fn tones() -> Prompts {
        let prompts = PromptId::ALL
            .iter()
            .map(|&id| {
                let samples = match id {
                    PromptId::Greeting => notes(&[(523.0, 200), (659.0, 200), (784.0, 300)], 60),
                    PromptId::Menu => notes(&[(660.0, 150), (660.0, 150)], 100),
                    PromptId::EchoIntro => notes(&[(1320.0, 120), (1320.0, 120)], 80),
                    PromptId::RecordIntro => notes(&[(1400.0, 400)], 100),
                    PromptId::Saved => notes(&[(784.0, 150), (523.0, 250)], 60),
                    PromptId::Transfer => notes(&[(440.0, 100), (440.0, 100), (440.0, 100)], 80),
                    PromptId::Invalid => notes(&[(300.0, 400)], 150),
                    PromptId::Goodbye => notes(&[(784.0, 200), (659.0, 200), (523.0, 300)], 60),
                };
                (id, Arc::new(Prompt::from_samples(samples)))
            })
            .collect();
        Prompts {
            prompts,
            files: HashMap::new(),
        }
    }

    /// The files of `dir` over the tones (a missing file keeps its tone); a file that is there
    /// but does not load is an error naming `IVR_PROMPTS_DIR`.
    pub fn load(dir: Option<&Path>) -> Result<Prompts, ConfigError> {
        let mut prompts = Prompts::tones();
        let Some(dir) = dir else {
            return Ok(prompts);
        };
        if !dir.is_dir() {
            return Err(config_error(
                "IVR_PROMPTS_DIR",
                format!("{} is not a directory", dir.display()),
            ));
        }
        for id in PromptId::ALL {
            let path = dir.join(id.file_name());
            if !path.exists() {
                continue;
            }
            let prompt = Prompt::open(&path)
                .map_err(|e| config_error("IVR_PROMPTS_DIR", format!("{}: {e}", path.display())))?;
            prompts.prompts.insert(id, Arc::new(prompt));
            prompts.files.insert(id, path);
        }
        Ok(prompts)
    }

    /// The prompt.
    pub fn get(&self, id: PromptId) -> Arc<Prompt> {
        self.prompts
            .get(&id)
            .cloned()
            .unwrap_or_else(|| Arc::new(Prompt::from_samples(Vec::new())))
    }

    /// The file a prompt came from, `None` for a built-in tone.
    pub fn file(&self, id: PromptId) -> Option<&Path> {
        self.files.get(&id).map(PathBuf::as_path)
    }
}

/// What the IVR and the recordings need from the environment.
#[derive(Debug, Clone)]
pub struct IvrSettings {
    /// `IVR_OPERATOR`: the extension `0` transfers to.
    pub operator: Option<String>,
    /// `IVR_PROMPTS_DIR`'s prompts, tones for the missing ones.
    pub prompts: Arc<Prompts>,
    /// `RECORDINGS_DIR` (default `recordings`): calls and messages, as WAV.
    pub recordings: PathBuf,
}

impl IvrSettings {
    /// Reads `IVR_OPERATOR`, `IVR_PROMPTS_DIR` and `RECORDINGS_DIR` (created when missing).
    pub fn from_env() -> Result<IvrSettings, ConfigError> {
        let operator = var("IVR_OPERATOR");
        if let Some(op) = &operator
            && !op
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+*#-_.".contains(c))
        {
            return Err(config_error(
                "IVR_OPERATOR",
                format!("{op:?} is not an extension or number"),
            ));
        }
        let prompts = Prompts::load(var("IVR_PROMPTS_DIR").map(PathBuf::from).as_deref())?;
        let recordings =
            PathBuf::from(var("RECORDINGS_DIR").unwrap_or_else(|| "recordings".into()));
        std::fs::create_dir_all(&recordings).map_err(|e| {
            config_error(
                "RECORDINGS_DIR",
                format!("cannot create {}: {e}", recordings.display()),
            )
        })?;
        Ok(IvrSettings {
            operator,
            prompts: Arc::new(prompts),
            recordings,
        })
    }
}

/// One file of the recordings directory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecordingFile {
    /// Its name (`GET /recordings/{name}`).
    pub name: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// When it was last written.
    pub modified: String,
}

/// The WAV files of `dir`, newest first, at most [`MAX_LISTED_RECORDINGS`].
pub fn list_recordings(dir: &Path) -> std::io::Result<Vec<RecordingFile>> {
    let mut files: Vec<(SystemTime, RecordingFile)> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if recording_name_ok(&name).is_none() {
            continue;
        }
        let meta = entry.metadata()?;
        if !meta.is_file() {
            continue;
        }
        let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        files.push((
            modified,
            RecordingFile {
                name,
                bytes: meta.len(),
                modified: yeastar_calls::format_rfc3339(modified),
            },
        ));
    }
    files.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
    Ok(files
        .into_iter()
        .take(MAX_LISTED_RECORDINGS)
        .map(|(_, f)| f)
        .collect())
}

/// `name` when it can only name a WAV file inside the directory: `[A-Za-z0-9._-]`, ending in
/// `.wav`, not hidden (the names [`recording_path`](yeastar_rtp::recording::recording_path)
/// gives).
pub fn recording_name_ok(name: &str) -> Option<&str> {
    let ok = name.len() <= 200
        && name.ends_with(".wav")
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    ok.then_some(name)
}

/// The file name of a call's recording (the Call-ID, made safe).
pub fn call_recording_name(call_id: &str) -> String {
    file_name_of(&yeastar_rtp::recording::recording_path(
        Path::new(""),
        call_id,
    ))
}

fn file_name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn ts() -> String {
    yeastar_calls::format_rfc3339(SystemTime::now())
}

/// What [`run_ivr_call`] needs besides the call.
#[derive(Clone)]
pub struct IvrCallContext {
    /// Prompts, operator and recordings directory.
    pub settings: IvrSettings,
    /// Where the `{"type":"ivr",…}` lines go (stdout and the console).
    pub emit: Arc<dyn Fn(Value) + Send + Sync>,
}

impl std::fmt::Debug for IvrCallContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IvrCallContext")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// A voice message being recorded.
struct Message {
    recorder: CallRecorder<std::io::BufWriter<std::fs::File>>,
    name: String,
}

/// Answers `call` and runs the IVR on it until it ends or `hangup` says so: prompts, echo,
/// messages (`<call id>-message-<n>.wav`, mono), the transfer to the operator; the whole call
/// is recorded in stereo (caller left, callee right) as `<call id>.wav` in the recordings
/// directory.
pub async fn run_ivr_call(
    mut call: SipCall,
    context: IvrCallContext,
    mut hangup: mpsc::Receiver<()>,
) {
    let call_id = call.call_id().to_owned();
    let dir = context.settings.recordings.clone();
    let emit = context.emit.clone();
    let line = |event: &str, extra: Value| {
        let mut line = json!({"type": "ivr", "event": event, "call_id": call_id, "ts": ts()});
        if let (Some(map), Value::Object(extra)) = (line.as_object_mut(), extra) {
            map.extend(extra);
        }
        emit(line);
    };
    let _ = call.ringing().await;
    let media = MediaOptions::rtp().record(dir.clone()).receive_audio();
    if let Err(e) = call.answer(media).await {
        tracing::warn!(%call_id, error = %e, "answer failed");
        return;
    }
    let mut ivr: Option<Ivr> = None;
    let mut state = None;
    let mut received: Option<mpsc::Receiver<Vec<i16>>> = None;
    let mut player: Option<PromptPlayer> = None;
    let mut echo: Option<std::collections::VecDeque<Vec<i16>>> = None;
    let mut message: Option<Message> = None;
    let mut messages = 0u32;
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let sender = call.media_sender();
    loop {
        let wake = ivr
            .as_ref()
            .and_then(Ivr::poll_timeout)
            .map(Instant::from_std);
        tokio::select! {
            update = call.next_update() => match update {
                Some(CallUpdate::MediaStarted { .. }) if ivr.is_none() => {
                    received = call.received_audio();
                    ivr = Some(Ivr::new(IvrConfig::new(context.settings.operator.clone())));
                }
                Some(CallUpdate::Dtmf { digit }) => {
                    line("digit", json!({"digit": digit.to_string()}));
                    if let Some(ivr) = ivr.as_mut() {
                        ivr.on_digit(digit, std::time::Instant::now());
                    }
                }
                Some(CallUpdate::Transfer(progress)) => {
                    let failed = match progress {
                        TransferProgress::Refused { .. } => true,
                        TransferProgress::Status { code, done } => code >= 300 && done,
                        _ => false,
                    };
                    let succeeded = matches!(progress, TransferProgress::Status { code: 200..=299, .. });
                    if failed && let Some(ivr) = ivr.as_mut() {
                        ivr.on_transfer_failed(std::time::Instant::now());
                    }
                    if succeeded {
                        // The operator answered: our leg is no longer needed.
                        let _ = call.hangup().await;
                    }
                }
                Some(CallUpdate::RequestFailed { method, .. }) if method == "REFER" => {
                    if let Some(ivr) = ivr.as_mut() {
                        ivr.on_transfer_failed(std::time::Instant::now());
                    }
                }
                Some(CallUpdate::Ended { .. }) | None => break,
                Some(_) => {}
            },
            frame = recv_optional(&mut received) => match frame {
                Some(frame) => {
                    if let Some(queue) = echo.as_mut() {
                        if queue.len() == ECHO_QUEUE_FRAMES {
                            queue.pop_front();
                        }
                        queue.push_back(frame.clone());
                    }
                    if let Some(m) = message.as_mut() {
                        let silence = vec![0i16; frame.len()];
                        if m.recorder.push(CallSide::Caller, &frame).and_then(|()| m.recorder.push(CallSide::Callee, &silence)).is_err() {
                            tracing::warn!(%call_id, "message not recorded");
                        }
                    }
                }
                None => received = None,
            },
            _ = tick.tick(), if ivr.is_some() => {
                let mut frame = vec![0i16; FRAME];
                let finished = match player.as_mut().map(|p| p.next_frame(&mut frame)) {
                    Some(true) => {
                        let _ = sender.send_audio(frame);
                        false
                    }
                    Some(false) => true,
                    None => {
                        if let Some(out) = echo.as_mut().and_then(|q| q.pop_front()) {
                            let _ = sender.send_audio(out);
                        }
                        false
                    }
                };
                if finished {
                    player = None;
                    if let Some(ivr) = ivr.as_mut() {
                        ivr.on_prompt_finished(std::time::Instant::now());
                    }
                }
            }
            () = sleep_until(wake) => {
                if let Some(ivr) = ivr.as_mut() {
                    ivr.handle_timeout(std::time::Instant::now());
                }
            }
            request = hangup.recv() => {
                if request.is_some() {
                    let _ = call.hangup().await;
                }
            }
        }
        let Some(machine) = ivr.as_mut() else {
            continue;
        };
        while let Some(action) = machine.poll_action() {
            match action {
                IvrAction::Play(id) => {
                    player = Some(PromptPlayer::new(context.settings.prompts.get(id)))
                }
                IvrAction::StopPrompt => player = None,
                IvrAction::StartEcho => {
                    echo = Some(std::collections::VecDeque::with_capacity(ECHO_QUEUE_FRAMES))
                }
                IvrAction::StopEcho => echo = None,
                IvrAction::StartMessage => {
                    messages += 1;
                    let stem = format!("{call_id}-message-{messages}");
                    let config = RecorderConfig {
                        layout: RecordingLayout::MixedMono,
                        ..RecorderConfig::default()
                    };
                    match CallRecorder::create(&dir, &stem, config) {
                        Ok(recorder) => {
                            let name =
                                file_name_of(&yeastar_rtp::recording::recording_path(&dir, &stem));
                            message = Some(Message { recorder, name });
                        }
                        Err(e) => tracing::warn!(%call_id, error = %e, "message not started"),
                    }
                }
                IvrAction::StopMessage => {
                    if let Some(m) = message.take() {
                        finish_message(m, &line);
                    }
                }
                IvrAction::Transfer(target) => {
                    line("transfer", json!({"target": target}));
                    if let Err(e) = call.transfer(target).await {
                        tracing::warn!(%call_id, error = %e, "transfer not sent");
                        machine.on_transfer_failed(std::time::Instant::now());
                    }
                }
                IvrAction::Hangup => {
                    let _ = call.hangup().await;
                }
            }
        }
        let now_state = machine.state();
        if state != Some(now_state) {
            state = Some(now_state);
            let mut extra = json!({"state": now_state.as_str()});
            if let IvrState::Prompt(id) = now_state {
                extra["prompt"] = json!(id.file_name().trim_end_matches(".wav"));
            }
            line("state", extra);
        }
    }
    if let Some(m) = message.take() {
        finish_message(m, &line);
    }
}

fn finish_message(message: Message, line: &impl Fn(&str, Value)) {
    let seconds = message.recorder.samples_written() as f64 / 8000.0;
    match message.recorder.finish() {
        Ok(()) => line(
            "message",
            json!({"file": message.name, "duration_s": (seconds * 100.0).round() / 100.0}),
        ),
        Err(e) => tracing::warn!(error = %e, "message not saved"),
    }
}

async fn recv_optional(rx: &mut Option<mpsc::Receiver<Vec<i16>>>) -> Option<Vec<i16>> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_prompt_has_a_tone() {
        let prompts = Prompts::tones();
        for id in PromptId::ALL {
            let p = prompts.get(id);
            assert!(p.duration() >= Duration::from_millis(200), "{id:?}");
            assert!(prompts.file(id).is_none());
        }
    }

    #[test]
    fn prompt_files_replace_their_tones() {
        let dir = std::env::temp_dir().join(format!("pjsip-prompts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(dir.join("menu.wav"), spec).unwrap();
        for _ in 0..800 {
            w.write_sample(100i16).unwrap();
        }
        w.finalize().unwrap();
        let prompts = Prompts::load(Some(&dir)).unwrap();
        assert_eq!(prompts.get(PromptId::Menu).samples().len(), 800);
        assert!(prompts.file(PromptId::Menu).is_some());
        assert!(prompts.file(PromptId::Greeting).is_none());
        std::fs::write(dir.join("goodbye.wav"), b"not a wav").unwrap();
        let e = Prompts::load(Some(&dir)).unwrap_err();
        assert_eq!(e.variable, "IVR_PROMPTS_DIR");
        let e = Prompts::load(Some(&dir.join("missing"))).unwrap_err();
        assert_eq!(e.variable, "IVR_PROMPTS_DIR");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn recording_names_stay_inside_the_directory() {
        assert!(recording_name_ok("abc-1_2.wav").is_some());
        for bad in [
            "../x.wav",
            "a/b.wav",
            ".hidden.wav",
            "x.txt",
            "a%2f.wav",
            "",
        ] {
            assert!(recording_name_ok(bad).is_none(), "{bad}");
        }
        assert_eq!(call_recording_name("a84b@pc33"), "a84b_pc33.wav");
    }

    #[test]
    fn recordings_are_listed_newest_first() {
        let dir = std::env::temp_dir().join(format!("pjsip-recs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.wav"), b"1").unwrap();
        std::fs::write(dir.join("notes.txt"), b"1").unwrap();
        std::fs::write(dir.join("b.wav"), b"22").unwrap();
        let old = SystemTime::now() - Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(dir.join("a.wav"))
            .unwrap()
            .set_modified(old)
            .unwrap();
        let list = list_recordings(&dir).unwrap();
        let names: Vec<&str> = list.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["b.wav", "a.wav"]);
        assert_eq!(list[0].bytes, 2);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
