//! The background-task APIs beside progress: one page of ListBackgroundTasks, a walk over
//! every page, ShowBackgroundTask, DeleteBackgroundTask, and the running expansion of an
//! instance. The core builds, decodes, pages and picks; this sends.

use std::collections::VecDeque;
use std::time::SystemTime;

use progress_core::{
    build_delete_task_request, build_list_tasks_request, build_show_task_request,
    decode_delete_task_response, decode_list_tasks_response, decode_show_task_response,
    pick_running_expansion, Credentials, Endpoint, ExpansionPick, HttpRequest, ListTasksQuery,
    ListTasksRequest, Task, TaskPage, TaskPager, TaskRequest,
};

use crate::cancel::CancelToken;
use crate::client::{ApiCall, Client};
use crate::error::Error;
use crate::transport::{RawResponse, USER_AGENT};

/// What [`Client::running_expansion`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunningExpansion {
    /// The task to watch: the newest `CREATED` or `EXECUTING` task, a `kafkaInstanceExtend`
    /// one preferred (the core's [`pick_running_expansion`]).
    Running(Task),
    /// Nothing runs on the instance.
    NoneRunning {
        /// Its newest task of any status, if it has any.
        newest: Option<Task>,
    },
}

/// ListBackgroundTasks.
struct ListCall<'a>(&'a ListTasksRequest);

impl ApiCall for ListCall<'_> {
    type Output = TaskPage;

    fn build(&self, endpoint: &Endpoint, credentials: &Credentials, now: SystemTime) -> HttpRequest {
        build_list_tasks_request(self.0, endpoint, credentials, now, Some(USER_AGENT))
    }

    fn decode(&self, r: &RawResponse) -> Result<TaskPage, Error> {
        decode_list_tasks_response(r.status, &r.header_pairs(), &r.body).map_err(Error::from)
    }
}

/// ShowBackgroundTask.
struct ShowCall<'a>(&'a TaskRequest);

impl ApiCall for ShowCall<'_> {
    type Output = Task;

    fn build(&self, endpoint: &Endpoint, credentials: &Credentials, now: SystemTime) -> HttpRequest {
        build_show_task_request(self.0, endpoint, credentials, now, Some(USER_AGENT))
    }

    fn decode(&self, r: &RawResponse) -> Result<Task, Error> {
        decode_show_task_response(r.status, &r.header_pairs(), &r.body, self.0.task_id()).map_err(Error::from)
    }
}

/// DeleteBackgroundTask.
struct DeleteCall<'a>(&'a TaskRequest);

impl ApiCall for DeleteCall<'_> {
    type Output = ();

    fn build(&self, endpoint: &Endpoint, credentials: &Credentials, now: SystemTime) -> HttpRequest {
        build_delete_task_request(self.0, endpoint, credentials, now, Some(USER_AGENT))
    }

    fn decode(&self, r: &RawResponse) -> Result<(), Error> {
        decode_delete_task_response(r.status, &r.header_pairs(), &r.body).map_err(Error::from)
    }
}

impl Client {
    /// One page of ListBackgroundTasks for `instance_id` (with the configured retries).
    /// `query` is checked first: `start` from 1, `limit` 1..=100, `begin_time` not after
    /// `end_time`.
    pub fn list_tasks(&self, instance_id: &str, query: &ListTasksQuery) -> Result<TaskPage, Error> {
        self.list_tasks_cancellable(instance_id, query, None)
    }

    /// [`list_tasks`](Self::list_tasks), ending promptly with [`Error::Cancelled`] when
    /// `cancel` is cancelled, also in the middle of an attempt.
    pub fn list_tasks_cancellable(
        &self,
        instance_id: &str,
        query: &ListTasksQuery,
        cancel: Option<&CancelToken>,
    ) -> Result<TaskPage, Error> {
        let req = ListTasksRequest::new(self.project_id(), instance_id, *query)?;
        self.call_with_retries(&ListCall(&req), cancel, None)
    }

    /// Every task `query` selects, newest first, walking page after page (of `query.limit`
    /// tasks, 100 by default) from `query.start` until the list ends. A task seen on an
    /// earlier page is not repeated. The first error ends the walk after being yielded.
    pub fn iter_tasks(&self, instance_id: &str, query: ListTasksQuery) -> TaskIter<'_> {
        self.iter_tasks_cancellable(instance_id, query, None)
    }

    /// [`iter_tasks`](Self::iter_tasks), whose page requests end promptly with
    /// [`Error::Cancelled`] (yielded once, ending the walk) when `cancel` is cancelled.
    pub fn iter_tasks_cancellable(
        &self,
        instance_id: &str,
        query: ListTasksQuery,
        cancel: Option<CancelToken>,
    ) -> TaskIter<'_> {
        TaskIter {
            client: self,
            instance_id: instance_id.to_owned(),
            cancel,
            state: match TaskPager::new(query) {
                Ok(pager) => IterState::Walking(pager),
                Err(e) => IterState::Failed(Some(e.into())),
            },
            buffer: VecDeque::new(),
        }
    }

    /// ShowBackgroundTask: one task of `instance_id`.
    pub fn show_task(&self, instance_id: &str, task_id: &str) -> Result<Task, Error> {
        self.show_task_cancellable(instance_id, task_id, None)
    }

    /// [`show_task`](Self::show_task), cancellable like
    /// [`list_tasks_cancellable`](Self::list_tasks_cancellable).
    pub fn show_task_cancellable(
        &self,
        instance_id: &str,
        task_id: &str,
        cancel: Option<&CancelToken>,
    ) -> Result<Task, Error> {
        let req = TaskRequest::new(self.project_id(), instance_id, task_id)?;
        self.call_with_retries(&ShowCall(&req), cancel, None)
    }

    /// DeleteBackgroundTask: deletes the record of one task of `instance_id`. Retried like
    /// every call (DELETE is idempotent), so a retry after a lost answer may report the
    /// service's not-found error for a task the first attempt deleted.
    pub fn delete_task(&self, instance_id: &str, task_id: &str) -> Result<(), Error> {
        self.delete_task_cancellable(instance_id, task_id, None)
    }

    /// [`delete_task`](Self::delete_task), cancellable like
    /// [`list_tasks_cancellable`](Self::list_tasks_cancellable).
    pub fn delete_task_cancellable(
        &self,
        instance_id: &str,
        task_id: &str,
        cancel: Option<&CancelToken>,
    ) -> Result<(), Error> {
        let req = TaskRequest::new(self.project_id(), instance_id, task_id)?;
        self.call_with_retries(&DeleteCall(&req), cancel, None)
    }

    /// The expansion running on `instance_id`: every page of its tasks is read, and the
    /// core's [`pick_running_expansion`] chooses.
    pub fn running_expansion(&self, instance_id: &str) -> Result<RunningExpansion, Error> {
        self.running_expansion_cancellable(instance_id, None)
    }

    /// [`running_expansion`](Self::running_expansion), cancellable like
    /// [`iter_tasks_cancellable`](Self::iter_tasks_cancellable).
    pub fn running_expansion_cancellable(
        &self,
        instance_id: &str,
        cancel: Option<CancelToken>,
    ) -> Result<RunningExpansion, Error> {
        let tasks = self
            .iter_tasks_cancellable(instance_id, ListTasksQuery::default(), cancel)
            .collect::<Result<Vec<Task>, Error>>()?;
        Ok(match pick_running_expansion(&tasks) {
            ExpansionPick::Running(t) => RunningExpansion::Running(t.clone()),
            ExpansionPick::NoneRunning { newest } => RunningExpansion::NoneRunning {
                newest: newest.cloned(),
            },
        })
    }
}

enum IterState {
    Walking(TaskPager),
    /// The error to yield (once), then the end.
    Failed(Option<Error>),
}

/// The tasks of [`Client::iter_tasks`]: `Ok` per task, or one `Err` that ends the walk.
pub struct TaskIter<'c> {
    client: &'c Client,
    instance_id: String,
    cancel: Option<CancelToken>,
    state: IterState,
    buffer: VecDeque<Task>,
}

impl Iterator for TaskIter<'_> {
    type Item = Result<Task, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(t) = self.buffer.pop_front() {
                return Some(Ok(t));
            }
            let pager = match &mut self.state {
                IterState::Failed(e) => return e.take().map(Err),
                IterState::Walking(p) => p,
            };
            let query = pager.next_query()?;
            let page = self
                .client
                .list_tasks_cancellable(&self.instance_id, &query, self.cancel.as_ref())
                .and_then(|page| pager.on_page(page).map_err(Error::from));
            match page {
                Ok(tasks) => self.buffer.extend(tasks),
                Err(e) => self.state = IterState::Failed(Some(e)),
            }
        }
    }
}
