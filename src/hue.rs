//! The average-colour route (`image/average-hue` for OSS, TOS and OBS, `imageAve` for
//! COS and Qiniu, `?info&hue` native), built into the hue Worker only (cargo feature
//! `hue`): the info route's flow (`info::read_route`: Cache API entry, `304`, R2 then
//! the origin through timed reads) with the core's [`hue::average`] (header phase, then
//! the pixel phase of the method the format calls for) in place of `driver::inspect`.
//! `Server-Timing` names the method:
//! `read;desc="7 ranges, 3196160 B";dur=…, parse;dur=…, hue;desc="dc"`.

use crate::info::{read_route, ReadRoute};
use crate::source::{InfoSource, Timed};
use crate::Req;
use imginfo::driver::Stats;
use imginfo::hue::{self, Hue, Limits};
use imginfo::render::{self, Ctx, Rendered};
use imginfo::request::Dialect;
use imginfo::{etag, Error};
use worker::{Response, Result};

struct HueRoute {
    limits: Limits,
}

impl ReadRoute for HueRoute {
    type Out = Hue;

    fn name(&self) -> &'static str {
        "hue"
    }

    fn etag(&self, object_etag: &str, d: Dialect) -> String {
        etag::hue_etag(object_etag, d)
    }

    async fn run(&self, src: &mut Timed<InfoSource>) -> (std::result::Result<Hue, Error>, Stats) {
        hue::average(src, self.limits).await
    }

    fn render(&self, d: Dialect, h: &Hue, ctx: &Ctx) -> Rendered {
        render::average_hue(d, h, ctx)
    }

    fn timing(&self, h: &Hue) -> Option<String> {
        let frames = match h.color.first_of_frames {
            Some(n) => format!(", first of {n} frames"),
            None => String::new(),
        };
        Some(format!("hue;desc=\"{}{frames}\"", h.color.method.name()))
    }
}

pub async fn average_hue(r: &Req<'_>, d: Dialect) -> Result<Response> {
    let limits = Limits {
        max_bytes: r.cfg.max_hue_bytes,
        max_pixels: r.cfg.max_hue_pixels,
    };
    read_route(r, d, &HueRoute { limits }).await
}
