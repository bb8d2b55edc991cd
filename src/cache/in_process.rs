//! The embedded mode's cache: lives and dies with the process, so it is always reachable.

use super::{Cache, CacheError};

pub struct InProcessCache;

#[async_trait::async_trait]
impl Cache for InProcessCache {
    fn kind(&self) -> &'static str {
        "in-process"
    }

    async fn ping(&self) -> Result<(), CacheError> {
        Ok(())
    }
}
