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
        let req = ListTasksRequest::new(self.project_id(), instance_id, *query)?;
        self.call_with_retries(&ListCall(&req), None, None)
    }

    /// Every task `query` selects, newest first, walking page after page (of `query.limit`
    /// tasks, 100 by default) from `query.start` until the list ends. A task seen on an
    /// earlier page is not repeated. The first error ends the walk after being yielded.
    pub fn iter_tasks(&self, instance_id: &str, query: ListTasksQuery) -> TaskIter<'_> {
        TaskIter {
            client: self,
            instance_id: instance_id.to_owned(),
            state: match TaskPager::new(query) {
                Ok(pager) => IterState::Walking(pager),
                Err(e) => IterState::Failed(Some(e.into())),
            },
            buffer: VecDeque::new(),
        }
    }

    /// ShowBackgroundTask: one task of `instance_id`.
    pub fn show_task(&self, instance_id: &str, task_id: &str) -> Result<Task, Error> {
        let req = TaskRequest::new(self.project_id(), instance_id, task_id)?;
        self.call_with_retries(&ShowCall(&req), None, None)
    }

    /// DeleteBackgroundTask: deletes the record of one task of `instance_id`. Retried like
    /// every call (DELETE is idempotent), so a retry after a lost answer may report the
    /// service's not-found error for a task the first attempt deleted.
    pub fn delete_task(&self, instance_id: &str, task_id: &str) -> Result<(), Error> {
        let req = TaskRequest::new(self.project_id(), instance_id, task_id)?;
        self.call_with_retries(&DeleteCall(&req), None, None)
    }

    /// The expansion running on `instance_id`: every page of its tasks is read, and the
    /// core's [`pick_running_expansion`] chooses.
    pub fn running_expansion(&self, instance_id: &str) -> Result<RunningExpansion, Error> {
        let tasks = self
            .iter_tasks(instance_id, ListTasksQuery::default())
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
                .list_tasks(&self.instance_id, &query)
                .and_then(|page| pager.on_page(page).map_err(Error::from));
            match page {
                Ok(tasks) => self.buffer.extend(tasks),
                Err(e) => self.state = IterState::Failed(Some(e)),
            }
        }
    }
}
