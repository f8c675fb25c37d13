//! `imginfo`: the I/O-free core of imginfo-edge.
//!
//! Format probes look at the bytes they have (a [`ByteMap`] of ranges read so far) and
//! answer [`Step::Done`] or [`Step::Need`] with the exact byte range they want next, in
//! the spirit of httparse's `Status::Partial`. Only [`driver::inspect`] awaits reads,
//! from any [`driver::Source`]: R2 or an HTTP origin in the Worker, memory in tests,
//! `File.slice()` in the browser. Nothing here knows about HTTP or the Worker.

pub mod auth;
pub mod bytes;
pub mod conditional;
pub mod cors;
pub mod driver;
pub mod error;
pub mod etag;
pub mod exif;
pub mod hue;
pub mod lifecycle;
pub mod model;
pub mod object;
pub mod probe;
pub mod render;
pub mod request;
pub mod sort;
pub mod ssec;
pub mod url_parts;
pub mod vendor;

pub use bytes::{ByteMap, Range};
pub use error::Error;
pub use model::{Format, Info};
pub use probe::Step;
