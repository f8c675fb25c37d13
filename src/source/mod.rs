//! Where object bytes come from: the R2 binding or the configured HTTP origin. One
//! [`InfoSource`] implements the driver's `Source` for either, and remembers what the
//! first read told about the object.

pub mod origin;
pub mod r2;

use imginfo::driver::{Chunk, Source};
use imginfo::object::ObjectMeta;
use imginfo::Error;

/// The driver's source for one info request, with timing of the reads.
pub enum InfoSource {
    R2(r2::R2Reader),
    Origin(origin::OriginReader),
}

impl InfoSource {
    pub fn meta(&self) -> Option<&ObjectMeta> {
        match self {
            InfoSource::R2(r) => r.meta.as_ref(),
            InfoSource::Origin(o) => o.meta.as_ref(),
        }
    }
}

/// Wraps a source and measures the wall time spent waiting for reads.
pub struct Timed<S> {
    pub inner: S,
    pub read_ms: f64,
}

impl<S: Source> Source for Timed<S> {
    async fn read(&mut self, offset: u64, len: u64) -> Result<Chunk, Error> {
        let t0 = js_sys::Date::now();
        let r = self.inner.read(offset, len).await;
        self.read_ms += js_sys::Date::now() - t0;
        r
    }

    fn restart(&mut self) -> bool {
        self.inner.restart()
    }
}

impl Source for InfoSource {
    async fn read(&mut self, offset: u64, len: u64) -> Result<Chunk, Error> {
        match self {
            InfoSource::R2(r) => r.read(offset, len).await,
            InfoSource::Origin(o) => o.read(offset, len).await,
        }
    }

    fn restart(&mut self) -> bool {
        match self {
            InfoSource::R2(r) => r.restart(),
            InfoSource::Origin(o) => o.restart(),
        }
    }
}
