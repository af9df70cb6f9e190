// Seed section "OpenTelemetry Integration": basic tracing and custom span
// names, as the seed writes them, with a real SDK (BasicTracerProvider +
// InMemorySpanExporter) registered globally; then the span tree is printed
// like the seed's "Viewing Traces" picture.
//
// The Rust twin: the Rust face takes any `Tracer` (a trait shaped like
// OpenTelemetry's: `start_span` under a parent, spans with attributes,
// status, exceptions and `end`). Here an in-memory tracer plays the SDK's
// InMemorySpanExporter: it keeps every finished span, and the same tree is
// printed at the end.
#[path = "support/rust.rs"]
mod support;

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use go_go_scope_wasm::{
    scope, AttributeValue, ScopeOptions, Span, SpanStatus, TaskOptions, Tracer,
};
use support::{log, now, sleep};
use wasm_bindgen::prelude::*;

/// A finished span, as the exporter keeps it.
#[derive(Clone, Debug)]
struct Finished {
    id: usize,
    parent: Option<usize>,
    name: String,
    attributes: Vec<(String, AttributeValue)>,
    status: Option<SpanStatus>,
    ms: f64,
}

/// The in-memory exporter: every span made, by id.
#[derive(Default)]
struct Exporter(RefCell<Vec<Finished>>);

struct MemorySpan {
    id: usize,
    start: f64,
    exporter: Rc<Exporter>,
}

impl MemorySpan {
    fn with(&self, f: impl FnOnce(&mut Finished)) {
        if let Some(s) = self.exporter.0.borrow_mut().get_mut(self.id) {
            f(s);
        }
    }
}

impl Span for MemorySpan {
    fn set_attribute(&self, key: &str, value: AttributeValue) {
        self.with(|s| s.attributes.push((key.into(), value)));
    }
    fn set_status(&self, status: SpanStatus) {
        self.with(|s| s.status = Some(status));
    }
    fn record_exception(&self, _message: &str) {}
    fn end(&self) {
        let ms = now() - self.start;
        self.with(|s| s.ms = ms);
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `trace.getTracer('my-app')` of the in-memory provider.
struct MemoryTracer(Rc<Exporter>);

impl Tracer for MemoryTracer {
    fn start_span(
        &self,
        name: &str,
        attributes: Vec<(String, AttributeValue)>,
        parent: Option<&dyn Span>,
    ) -> Rc<dyn Span> {
        let mut spans = self.0 .0.borrow_mut();
        let id = spans.len();
        spans.push(Finished {
            id,
            parent: parent
                .and_then(|p| p.as_any().downcast_ref::<MemorySpan>())
                .map(|p| p.id),
            name: name.into(),
            attributes,
            status: None,
            ms: 0.0,
        });
        Rc::new(MemorySpan {
            id,
            start: now(),
            exporter: self.0.clone(),
        })
    }
}

#[derive(Debug)]
struct User {
    #[allow(dead_code)]
    id: u32,
    #[allow(dead_code)]
    name: &'static str,
}

async fn fetch_user(id: u32) -> Result<User, JsValue> {
    sleep(Duration::from_millis(150)).await;
    Ok(User { id, name: "Ada" })
}

async fn fetch_posts(user_id: u32) -> Result<Vec<(u32, &'static str)>, JsValue> {
    sleep(Duration::from_millis(80)).await;
    Ok(vec![(user_id, "Hello")])
}

fn attr<'a>(s: &'a Finished, key: &str) -> Option<&'a AttributeValue> {
    s.attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

#[wasm_bindgen(main)]
async fn main() -> Result<(), JsValue> {
    let exporter = Rc::new(Exporter::default());
    let id = 1;

    log("Basic Tracing");
    {
        let tracer: Rc<dyn Tracer> = Rc::new(MemoryTracer(exporter.clone()));

        let s = scope(
            ScopeOptions::default()
                .tracer(tracer)
                .name("fetch-user-data"),
        )?;

        // Creates spans automatically
        let _user_task = s.task(|_| fetch_user(1), TaskOptions::default())?;
        let _posts_task = s.task(|_| fetch_posts(1), TaskOptions::default())?;
        // (a task's future is dropped when its scope is disposed: wait for
        // both first, as leaving the TS block does)
        let (a, b) = (_user_task, _posts_task);
        let _ = (a.await, b.await);
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    log("Custom Span Names");
    {
        let tracer: Rc<dyn Tracer> = Rc::new(MemoryTracer(exporter.clone()));
        let s = scope(ScopeOptions::default().tracer(tracer).name("profile-page"))?;

        let user = s
            .task(
                move |_| fetch_user(id),
                TaskOptions::default().otel("fetch-user", [("user.id", f64::from(id))]),
            )?
            .await;
        match &user {
            Ok(u) => log(&format!("  user: undefined {u:?}")),
            Err(e) => log(&format!("  user: {e:?} undefined")),
        }
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    // "Viewing Traces": print each scope span with its task spans.
    let spans = exporter.0.borrow().clone();
    let roots = spans
        .iter()
        .filter(|s| attr(s, "scope.has_parent_scope") == Some(&AttributeValue::Bool(false)));
    for root in roots {
        log(&format!("\n[{}] scope - {}ms", root.name, root.ms.round()));
        let children: Vec<&Finished> = spans.iter().filter(|s| s.parent == Some(root.id)).collect();
        for (i, c) in children.iter().enumerate() {
            let branch = if i + 1 == children.len() {
                "└──"
            } else {
                "├──"
            };
            let ok = match (&c.status, attr(c, "task.error_reason")) {
                (Some(SpanStatus::Ok), _) => " ✓".to_string(),
                (_, Some(AttributeValue::String(r))) => format!(" ✗ {r}"),
                _ => " ✗".to_string(),
            };
            let attrs = match attr(c, "user.id") {
                Some(AttributeValue::Number(n)) => format!(" user.id={n}"),
                _ => String::new(),
            };
            log(&format!(
                "{branch} [{}] task - {}ms{ok}{attrs}",
                c.name,
                c.ms.round()
            ));
        }
    }
    Ok(())
}
