//! Watching many tasks at once: one waiter per task (the core's [`Waiter`]), one shared
//! [`Pace`] for all their polls, and a small fixed pool of worker threads that send them.
//!
//! The calling thread schedules: it keeps every task's next poll time, hands a poll to a
//! worker when both the task and the pace are ready, feeds each answer to the task's waiter
//! and reports it. So 2 tasks or 2 000 take the same threads (the caller plus
//! [`WatchAllOptions::workers`]), requests start at most `max_rate` a second in total, and a
//! 429 answered to any poll slows every poll. A poll is one attempt: the waiter's backoff and
//! the pace retry it, not the per-call retries of [`Client::get_progress`].

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use progress_core::{
    defaults, Pace, PollOutcome, Progress, ProgressRequest, SettingError, WaitSettings, WaitStep, Waiter,
};

use crate::cancel::CancelToken;
use crate::client::{jitter_sample, Client};
use crate::error::{Error, TransportKind};

/// The name of the worker threads (what `top -H` and /proc show).
pub const WORKER_NAME: &str = "dms-watch-poll";

/// Longest the scheduler blocks before it looks at the cancel token again.
const CANCEL_CHECK: Duration = Duration::from_millis(50);

/// One task to watch.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WatchTarget {
    /// Its instance.
    pub instance_id: String,
    /// The task.
    pub task_id: String,
}

impl WatchTarget {
    /// The task `task_id` of instance `instance_id`.
    pub fn new(instance_id: impl Into<String>, task_id: impl Into<String>) -> Self {
        WatchTarget {
            instance_id: instance_id.into(),
            task_id: task_id.into(),
        }
    }
}

/// How to watch many tasks.
#[derive(Debug, Clone, Copy)]
pub struct WatchAllOptions<'a> {
    /// Delay between two polls of one task (default 5 s; raised to the core's floor).
    pub interval: Duration,
    /// Each task's deadline, from the start of the watch (default 1 h).
    pub max_wait: Duration,
    /// Requests per second that all polls together stay under (default
    /// [`defaults::MAX_RATE`]).
    pub max_rate: f64,
    /// Worker threads sending polls (default [`defaults::WATCH_WORKERS`]; at least 1).
    pub workers: usize,
    /// Stops the watch: polls in flight are abandoned (their sockets shut down, as a single
    /// call's are), no new one starts, and every task not ended yet ends as
    /// [`Error::Cancelled`].
    pub cancel: Option<&'a CancelToken>,
}

impl Default for WatchAllOptions<'_> {
    fn default() -> Self {
        WatchAllOptions {
            interval: defaults::POLL_INTERVAL,
            max_wait: defaults::MAX_WAIT,
            max_rate: defaults::MAX_RATE,
            workers: defaults::WATCH_WORKERS,
            cancel: None,
        }
    }
}

/// What [`Client::wait_all`] reports as it goes, on the calling thread.
#[derive(Debug)]
pub enum WatchEvent<'a> {
    /// A poll of task `index` answered.
    Progress {
        /// The task's position in the targets.
        index: usize,
        /// What it said.
        progress: &'a Progress,
    },
    /// A poll of task `index` failed in a way worth polling again for (a transport error,
    /// 429, 5xx); it will be.
    Retrying {
        /// The task's position in the targets.
        index: usize,
        /// What went wrong.
        error: &'a Error,
        /// How many times slower than `max_rate` the shared pace is now (1: not slowed).
        slowdown: u32,
    },
    /// Task `index` has ended: completed, failed, timed out, cancelled or refused. Sent once
    /// per task.
    Ended {
        /// The task's position in the targets.
        index: usize,
        /// How: the completed progress, or the error ([`Error::TaskFailed`],
        /// [`Error::WaitTimeout`], [`Error::Cancelled`], an API error, …).
        result: &'a Result<Progress, Error>,
    },
}

/// A poll handed to a worker.
struct Job {
    index: usize,
    budget: Duration,
}

impl Client {
    /// Watches every task of `targets` until each has completed, failed, passed `max_wait`
    /// or the watch is cancelled; returns how each ended, in the order of `targets`.
    ///
    /// Every decision is the core's: each task has its own [`Waiter`] (as in
    /// [`Client::wait`]), and all polls share one [`Pace`] (`max_rate` requests a second,
    /// slowed for everyone by a 429). `on_event` is called on this thread for every answer,
    /// every retryable failure and every end. An invalid id or setting is refused before
    /// anything is sent.
    pub fn wait_all(
        &self,
        targets: &[WatchTarget],
        options: WatchAllOptions<'_>,
        on_event: &mut dyn FnMut(WatchEvent<'_>),
    ) -> Result<Vec<Result<Progress, Error>>, Error> {
        let requests = targets
            .iter()
            .map(|t| ProgressRequest::new(self.project_id(), &t.instance_id, &t.task_id))
            .collect::<Result<Vec<_>, _>>()?;
        let policy = WaitSettings {
            interval: Some(options.interval),
            max_wait: Some(options.max_wait),
        }
        .policy(&self.endpoint())?;
        let pace = Pace::new(options.max_rate)?;
        if options.workers == 0 {
            return Err(SettingError {
                setting: "workers",
                problem: "must be at least 1".into(),
            }
            .into());
        }
        let workers = options.workers.min(requests.len().max(1));

        let (job_tx, job_rx) = mpsc::channel::<Job>();
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (done_tx, done_rx) = mpsc::channel::<(usize, Result<Progress, Error>)>();
        let requests = &requests;
        // Each poll carries the watch's token too, so that a cancel also ends the attempts in
        // flight (their sockets are shut down) instead of waiting for their answers.
        let cancel = options.cancel;
        std::thread::scope(|scope| {
            let mut started = 0;
            let mut refused = None;
            for _ in 0..workers {
                let jobs = Arc::clone(&job_rx);
                let done = done_tx.clone();
                let worker = move || loop {
                    // The lock is held only to take a job; a poisoned lock means another
                    // worker panicked, and the job queue is still sound.
                    let job = jobs.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok(job) = job else { return };
                    let result = self.poll_once(&requests[job.index], job.budget, cancel);
                    if done.send((job.index, result)).is_err() {
                        return;
                    }
                };
                // Fewer workers than asked when the system refuses a thread; none at all
                // is an error.
                match std::thread::Builder::new()
                    .name(WORKER_NAME.into())
                    .spawn_scoped(scope, worker)
                {
                    Ok(_) => started += 1,
                    Err(e) => refused = Some(e),
                }
            }
            drop(done_tx);
            if let (0, Some(e)) = (started, refused) {
                return Err(Error::Transport {
                    kind: TransportKind::Connect,
                    message: format!("cannot start a thread to send the polls: {e}"),
                });
            }
            let mut scheduler = Scheduler {
                start: Instant::now(),
                waiters: requests.iter().map(|_| Waiter::new(policy)).collect(),
                results: requests.iter().map(|_| None).collect(),
                due: requests
                    .iter()
                    .enumerate()
                    .map(|(i, _)| Reverse((Duration::ZERO, i)))
                    .collect(),
                started: vec![false; requests.len()],
                pace,
                in_flight: 0,
                workers: started,
                jobs: job_tx,
                on_event,
            };
            scheduler.run(&done_rx, options.cancel);
            // Dropping the scheduler closes the job queue: idle workers return, busy ones
            // after their attempt.
            Ok(scheduler.finish())
        })
    }
}

struct Scheduler<'e, 'f> {
    start: Instant,
    waiters: Vec<Waiter<Error>>,
    results: Vec<Option<Result<Progress, Error>>>,
    /// When each task not in flight and not ended polls next.
    due: BinaryHeap<Reverse<(Duration, usize)>>,
    started: Vec<bool>,
    pace: Pace,
    in_flight: usize,
    workers: usize,
    jobs: mpsc::Sender<Job>,
    on_event: &'e mut (dyn FnMut(WatchEvent<'_>) + 'f),
}

impl Scheduler<'_, '_> {
    fn run(&mut self, done: &mpsc::Receiver<(usize, Result<Progress, Error>)>, cancel: Option<&CancelToken>) {
        while self.results.iter().any(Option::is_none) {
            if cancel.is_some_and(CancelToken::is_cancelled) {
                return;
            }
            let now = self.start.elapsed();
            self.dispatch(now);
            let next = if self.in_flight < self.workers {
                self.due
                    .peek()
                    .map(|Reverse((at, _))| (*at).max(self.pace.ready_at()).saturating_sub(now))
            } else {
                None
            };
            match done.recv_timeout(next.unwrap_or(CANCEL_CHECK).min(CANCEL_CHECK)) {
                Ok((index, result)) => {
                    self.in_flight -= 1;
                    self.on_answer(index, result);
                }
                Err(RecvTimeoutError::Timeout) => {}
                // Every worker is gone (none can be while the scheduler holds the queue).
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    /// Starts every poll that is due, while a worker is free and the pace allows.
    fn dispatch(&mut self, now: Duration) {
        while self.in_flight < self.workers {
            match self.due.peek() {
                Some(Reverse((at, _))) if (*at).max(self.pace.ready_at()) <= now => {}
                _ => return,
            }
            let Some(Reverse((_, index))) = self.due.pop() else {
                return;
            };
            let step = if std::mem::replace(&mut self.started[index], true) {
                self.waiters[index].on_slept(now)
            } else {
                self.waiters[index].start()
            };
            self.apply(index, step, now);
        }
    }

    fn on_answer(&mut self, index: usize, result: Result<Progress, Error>) {
        let now = self.start.elapsed();
        let outcome = match result {
            Ok(p) => {
                self.pace.on_answered();
                (self.on_event)(WatchEvent::Progress { index, progress: &p });
                PollOutcome::Progress(p)
            }
            Err(e) if e.is_retryable() => {
                let retry_after = e.api_error().and_then(|a| a.retry_after(SystemTime::now()));
                if e.api_error().is_some_and(|a| a.status == 429) {
                    self.pace.on_throttled(now, retry_after);
                }
                (self.on_event)(WatchEvent::Retrying {
                    index,
                    error: &e,
                    slowdown: self.pace.slowdown(),
                });
                PollOutcome::Retryable {
                    error: e,
                    retry_after,
                }
            }
            Err(e) => PollOutcome::Fatal(e),
        };
        let step = self.waiters[index].on_outcome(outcome, now, jitter_sample());
        self.apply(index, step, now);
    }

    /// Performs what task `index`'s waiter asked for.
    fn apply(&mut self, index: usize, step: WaitStep<Error>, now: Duration) {
        let result = match step {
            WaitStep::Send { attempt_budget } => {
                self.pace.start(now);
                self.in_flight += 1;
                if self
                    .jobs
                    .send(Job {
                        index,
                        budget: attempt_budget,
                    })
                    .is_ok()
                {
                    return;
                }
                // No worker left to take it (they only stop when the queue closes).
                self.in_flight -= 1;
                Err(Error::Cancelled)
            }
            WaitStep::Sleep(d) => {
                self.due.push(Reverse((now.saturating_add(d), index)));
                return;
            }
            WaitStep::Done(p) => Ok(p),
            WaitStep::Failed { progress, step } => Err(Error::TaskFailed {
                progress: Box::new(progress),
                step,
            }),
            WaitStep::Fatal(e) => Err(e),
            WaitStep::GiveUp { last, last_error } => Err(Error::WaitTimeout {
                last: last.map(Box::new),
                last_error: last_error.map(Box::new),
                waited: now,
            }),
        };
        self.end(index, result);
    }

    fn end(&mut self, index: usize, result: Result<Progress, Error>) {
        (self.on_event)(WatchEvent::Ended {
            index,
            result: &result,
        });
        self.results[index] = Some(result);
    }

    /// Every task's end; a task that has not ended (the watch was cancelled) ends as
    /// cancelled now.
    fn finish(mut self) -> Vec<Result<Progress, Error>> {
        for index in 0..self.results.len() {
            if self.results[index].is_none() {
                self.end(index, Err(Error::Cancelled));
            }
        }
        self.results
            .into_iter()
            .map(|r| r.unwrap_or(Err(Error::Cancelled)))
            .collect()
    }
}
