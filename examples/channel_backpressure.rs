// Channel backpressure (go-go-scope 2.x's strategies): what a send into a full buffer does when nobody is receiving
//
// The Rust twin of channel-backpressure.ts: `s.channel(cap, { backpressure,
// onDrop })` is `s.channel_with(ChannelOptions::new(cap).backpressure(..)
// .on_drop(..))`, and `ChannelFullError` is `SendError::Full(value)`, which
// hands the refused value back.
#[path = "support/rust.rs"]
mod support;

use std::cell::RefCell;
use std::rc::Rc;

use go_go_scope_wasm::{scope, Backpressure, ChannelOptions, ScopeOptions, SendError};
use support::log;
use wasm_bindgen::prelude::*;

fn join<T: ToString>(v: &[T]) -> String {
    v.iter().map(T::to_string).collect::<Vec<_>>().join(", ")
}

#[wasm_bindgen(main)]
async fn main() -> Result<(), JsValue> {
    log("drop-oldest: a dashboard keeps the latest 3 readings");
    {
        let s = scope(ScopeOptions::default())?;
        let dropped = Rc::new(RefCell::new(Vec::new()));
        let d = dropped.clone();
        let readings = s.channel_with::<u32>(
            ChannelOptions::new(3)
                .backpressure(Backpressure::DropOldest)
                .on_drop(move |old| d.borrow_mut().push(old)),
        )?;
        for i in 1..=10 {
            readings.send(i).await.map_err(|e| e.to_string())?; // never waits
        }
        readings.close();
        let mut kept = Vec::new();
        while let Some(r) = readings.recv().await {
            kept.push(r);
        }
        let dropped = dropped.take();
        log(&format!(
            "  kept {}; dropped {}, the oldest first: {}",
            join(&kept),
            dropped.len(),
            join(&dropped)
        ));
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    log("drop-latest: updates that come while the buffer is full are dropped");
    {
        let s = scope(ScopeOptions::default())?;
        let dropped = Rc::new(RefCell::new(Vec::new()));
        let d = dropped.clone();
        let updates = s.channel_with::<&str>(
            ChannelOptions::new(2)
                .backpressure(Backpressure::DropLatest)
                .on_drop(move |u| d.borrow_mut().push(u)),
        )?;
        for u in ["a", "b", "c", "d"] {
            updates.send(u).await.map_err(|e| e.to_string())?;
        }
        log(&format!(
            "  buffered {}, dropped {}",
            updates.len(),
            join(&dropped.borrow())
        ));
        let (a, b) = (updates.recv().await, updates.recv().await);
        log(&format!(
            "  received {}, {}",
            a.unwrap_or_default(),
            b.unwrap_or_default()
        ));
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    log("error: load shedding with ChannelFullError");
    {
        let s = scope(ScopeOptions::default())?;
        let jobs =
            s.channel_with::<u32>(ChannelOptions::new(2).backpressure(Backpressure::Error))?;
        let mut outcomes = Vec::new();
        for job in 1..=4 {
            match jobs.send(job).await {
                Ok(()) => outcomes.push(format!("{job} accepted")),
                Err(SendError::Full(job)) => outcomes.push(format!("{job} refused (503)")),
                Err(e) => return Err(e.to_string().into()),
            }
        }
        log(&format!("  {}", outcomes.join("; ")));
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    log("a waiting receiver always takes the value directly");
    {
        let s = scope(ScopeOptions::default())?;
        let ch =
            s.channel_with::<&str>(ChannelOptions::new(0).backpressure(Backpressure::Error))?;
        let rx = ch.clone();
        let waiting = s.spawn(async move { Ok::<_, ()>(rx.recv().await) })?;
        let sent = ch.send("hello").await.is_ok();
        let received = waiting.await.ok().flatten().unwrap_or_default();
        log(&format!("  sent: {sent}, received: {received}"));
        let refused = ch.send("nobody").await.is_err_and(|e| e.is_full());
        log(&format!(
            "  a rendezvous with nobody receiving: refused {refused}"
        ));
        s.dispose().await.map_err(|e| e.to_js())?;
    }
    Ok(())
}
