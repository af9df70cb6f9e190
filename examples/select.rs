// Beyond 1.0: select over channel receives and sends, with default and timeout
//
// The Rust twin of select.ts: `Scope::select()` with `recv` and `send`
// cases, `default` and `timeout`, and `Runtime::select()` (no scope). A
// send case's handler gets what `Channel::send` gives.
#[path = "support/rust.rs"]
mod support;

use std::time::Duration;

use go_go_scope_wasm::{scope, Runtime, ScopeOptions};
use support::log;
use wasm_bindgen::prelude::*;

fn js(v: Option<impl std::fmt::Display>) -> String {
    v.map_or_else(|| "undefined".into(), |v| v.to_string())
}

#[wasm_bindgen(main)]
async fn main() -> Result<(), JsValue> {
    {
        let s = scope(ScopeOptions::default())?;
        let jobs = s.channel::<&str>(4)?;
        let urgent = s.channel::<&str>(4)?;
        let _ = jobs.send("resize image").await;
        let _ = urgent.send("page on-call").await;
        let first = s
            .select()
            .recv(&urgent, |v| format!("urgent: {}", js(v)))
            .recv(&jobs, |v| format!("job: {}", js(v)))
            .await?;
        log(&format!(
            "both ready, the first case wins: {first} | jobs still buffered: {}",
            jobs.len()
        ));
        s.dispose().await?;
    }

    {
        let s = scope(ScopeOptions::default())?;
        let results = s.channel::<u32>(0)?;
        let quit = s.channel::<&str>(0)?;
        let q = quit.clone();
        let sender = s.spawn(async move { q.send("shutdown").await.map_err(|e| e.to_string()) })?;
        let outcome = s
            .select()
            .send(&results, 42, |r| format!("result sent: {}", r.is_ok()))
            .recv(&quit, |why| format!("quit: {}", js(why)))
            .await?;
        sender.await.map_err(|e| e.to_string())?;
        log(&format!("one case fires: {outcome}"));
        let nothing = s
            .select()
            .recv(&results, |v| format!("got {}", js(v)))
            .default(|| "nothing".to_string())
            .await?;
        log(&format!("the losing send delivered: {nothing}"));
        s.dispose().await?;
    }

    {
        let s = scope(ScopeOptions::default())?;
        let ch = s.channel::<u32>(0)?;
        let err = s
            .select()
            .recv(&ch, |v| v)
            .timeout(Duration::from_millis(20))
            .await
            .unwrap_err();
        log(&format!("waiting too long: {err}"));
        ch.close();
        let got = s
            .select()
            .recv(&ch, |v| format!("received {}", js(v)))
            .await?;
        let sent = Runtime::current()
            .select()
            .send(&ch, 1, |r| r.is_ok())
            .await?;
        log(&format!("closed channel: {got} | send gives {sent}"));
        s.dispose().await?;
    }
    Ok(())
}
