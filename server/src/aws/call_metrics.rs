//! For `/metrics`: every AWS operation trustdesk calls, seen by an SDK interceptor on each client: its outcome
//! and time (retries included), each attempt after the first, and each throttled attempt. The
//! same interceptor counts every attempt into the client's [`CallCounter`].

use super::calls::CallCounter;
use crate::monitoring::Metrics;
use aws_sdk_iam::config::interceptors::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextRef,
};
use aws_sdk_iam::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_iam::error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use std::{sync::Arc, time::Instant};

#[derive(Clone, Debug)]
pub struct AwsCallMetrics {
    pub metrics: Arc<Metrics>,
    /// The requests of the piece of work the client is made for.
    pub calls: CallCounter,
}

/// One operation's progress, kept in its own config bag.
#[derive(Debug, Clone)]
struct Operation {
    started: Instant,
    attempts: u32,
    last_throttled: bool,
}

impl Operation {
    /// Changes the operation's progress in `cfg` (when it was stored there).
    fn update(cfg: &mut ConfigBag, change: impl FnOnce(&mut Operation)) {
        if let Some(mut operation) = cfg.load::<Operation>().cloned() {
            change(&mut operation);
            cfg.interceptor_state().store_put(operation);
        }
    }
}

impl Storable for Operation {
    type Storer = StoreReplace<Self>;
}

/// `("iam", "ListSAMLProviders")`: the SDK's names, a fixed set.
fn names(cfg: &ConfigBag) -> (String, String) {
    match cfg.load::<Metadata>() {
        Some(metadata) => (
            metadata.service().to_ascii_lowercase(),
            metadata.name().to_string(),
        ),
        None => ("unknown".into(), "unknown".into()),
    }
}

/// An answer AWS gives when it throttles: 429, or an error whose code names throttling.
fn throttled(context: &FinalizerInterceptorContextRef<'_>) -> bool {
    let Some(response) = context.response() else {
        return false;
    };
    let status = response.status().as_u16();
    if status == 429 {
        return true;
    }
    if status < 400 {
        return false;
    }
    let Some(body) = response.body().bytes() else {
        return false;
    };
    let body = String::from_utf8_lossy(body);
    crate::aws::error::THROTTLING
        .iter()
        .any(|code| body.contains(code))
}

impl Intercept for AwsCallMetrics {
    fn name(&self) -> &'static str {
        "trustdesk-call-metrics"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().store_put(Operation {
            started: Instant::now(),
            attempts: 0,
            last_throttled: false,
        });
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.calls.add_one();
        let (service, name) = names(cfg);
        Operation::update(cfg, |operation| {
            operation.attempts += 1;
            if operation.attempts > 1 {
                self.metrics.aws_retry(&service, &name);
            }
        });
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, name) = names(cfg);
        Operation::update(cfg, |operation| {
            operation.last_throttled = throttled(context);
            if operation.last_throttled {
                self.metrics.aws_throttle(&service, &name);
            }
        });
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(operation) = cfg.load::<Operation>() {
            let outcome = match context.output_or_error() {
                Some(Ok(_)) => "ok",
                _ if operation.last_throttled => "throttled",
                _ => "error",
            };
            let (service, name) = names(cfg);
            let elapsed = operation.started.elapsed();
            self.metrics.aws_call(&service, &name, outcome, elapsed);
        }
        Ok(())
    }
}
