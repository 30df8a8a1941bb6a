//! The batch settings of the pipeline (the `OTEL_BSP_*` settings).

use std::time::Duration;

/// Batch settings of the pipeline (the `OTEL_BSP_*` settings).
#[derive(Clone, Debug)]
pub(crate) struct BatchConfig {
    pub(crate) max_queue_size: usize,
    pub(crate) max_export_batch_size: usize,
    pub(crate) scheduled_delay: Duration,
    pub(crate) export_timeout: Duration,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            max_queue_size: 2048,
            max_export_batch_size: 512,
            scheduled_delay: Duration::from_secs(5),
            export_timeout: Duration::from_secs(30),
        }
    }
}
