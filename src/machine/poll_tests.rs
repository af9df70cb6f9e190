//! The poll machine driven by command/event sequences: schedule, no
//! overlap, stop/start, abort, stale reports, and a property test that runs
//! a faithful executor model over random interleavings.
use super::*;
use crate::machine::effect::Op;
use crate::machine::fail::FailKind;
use crate::machine::scope::ScopeSpec;
use crate::machine::Live;

const CALL: u8 = Op::PollCall as u8;
const END: u8 = Op::PollEnd as u8;
const SET: u8 = Op::TimerSet as u8;
const CLEAR: u8 = Op::TimerClear as u8;

/// The effects since the last call, cleared.
fn take(m: &mut Machine) -> Vec<(u8, f64, f64, f64)> {
    let fx = m.fx.decoded();
    m.fx.clear();
    fx
}

fn ops(fx: &[(u8, f64, f64, f64)]) -> Vec<u8> {
    fx.iter().map(|e| e.0).collect()
}

/// The one `PollCall` among `fx`: (serial, node).
fn call_of(fx: &[(u8, f64, f64, f64)]) -> (u32, f64) {
    let calls: Vec<_> = fx.iter().filter(|e| e.0 == CALL).collect();
    assert_eq!(calls.len(), 1, "one PollCall in {fx:?}");
    (calls[0].2 as u32, calls[0].3)
}

/// The one `TimerSet` among `fx`: (timer, ms).
fn timer_of(fx: &[(u8, f64, f64, f64)]) -> (f64, f64) {
    let sets: Vec<_> = fx.iter().filter(|e| e.0 == SET).collect();
    assert_eq!(sets.len(), 1, "one TimerSet in {fx:?}");
    (sets[0].1, sets[0].2)
}

fn new_poll(m: &mut Machine, interval: f64, immediate: bool) -> Key {
    m.poll_new(None, None, Some(interval), immediate, 0.0)
        .unwrap_or_else(|e| panic!("poll_new: {e:?}"))
}

/// One whole call: begin, `fn` gives a value, `onValue` returns.
fn run_call(m: &mut Machine, k: Key, serial: u32, start: f64, end: f64) {
    assert!(m.poll_begin(k, serial, start));
    assert!(m.poll_settled(k, serial, true, end));
    m.poll_done(k, serial, true, end);
}

#[test]
fn immediate_calls_at_once_and_the_next_call_is_interval_after_the_end() {
    let mut m = Machine::new();
    let k = new_poll(&mut m, 100.0, true);
    let fx = take(&mut m);
    assert_eq!(ops(&fx), vec![CALL]);
    let (serial, _) = call_of(&fx);
    assert!(m.poll_begin(k, serial, 0.0));
    assert_eq!(take(&mut m), vec![]);
    // `fn` took 250 ms; onValue 10 more.
    assert!(m.poll_settled(k, serial, true, 250.0));
    assert_eq!(
        take(&mut m),
        vec![],
        "nothing scheduled before onValue ends"
    );
    m.poll_done(k, serial, true, 260.0);
    let fx = take(&mut m);
    let (timer, ms) = timer_of(&fx);
    assert_eq!(ms, 100.0);
    let s = m.poll_status(k, 300.0).unwrap();
    assert!(s.running);
    assert_eq!(s.poll_count, 1);
    assert_eq!(s.last_poll_time, Some(0.0));
    assert_eq!(
        s.next_poll_time,
        Some(360.0),
        "counts from the end of the call"
    );
    assert_eq!(s.time_until_next, 60.0);
    m.timer_fired(timer, 360.0);
    let (serial2, _) = call_of(&take(&mut m));
    assert_ne!(serial2, serial);
    run_call(&mut m, k, serial2, 361.0, 362.0);
    assert_eq!(m.poll_status(k, 362.0).unwrap().poll_count, 2);
}

#[test]
fn immediate_false_is_created_stopped_and_start_waits_interval() {
    let mut m = Machine::new();
    let k = new_poll(&mut m, 30.0, false);
    assert_eq!(take(&mut m), vec![], "nothing runs until start()");
    let s = m.poll_status(k, 5.0).unwrap();
    assert!(!s.running);
    assert_eq!(s.poll_count, 0);
    assert_eq!(s.time_until_next, 0.0);
    assert_eq!(s.next_poll_time, None);
    m.poll_start(k, 10.0);
    let fx = take(&mut m);
    assert_eq!(ops(&fx), vec![SET], "the first call comes after interval");
    let (timer, ms) = timer_of(&fx);
    assert_eq!(ms, 30.0);
    assert!(m.poll_status(k, 10.0).unwrap().running);
    m.timer_fired(timer, 40.0);
    let (serial, _) = call_of(&take(&mut m));
    run_call(&mut m, k, serial, 40.0, 41.0);
    assert_eq!(m.poll_status(k, 41.0).unwrap().poll_count, 1);
}

#[test]
fn no_overlap_stop_and_start_while_a_call_is_in_flight() {
    let mut m = Machine::new();
    let k = new_poll(&mut m, 5.0, true);
    let (serial, _) = call_of(&take(&mut m));
    assert!(m.poll_begin(k, serial, 0.0));
    assert!(!m.poll_begin(k, serial, 0.0), "one begin per call");
    m.poll_start(k, 1.0); // running: no-op
    m.poll_stop(k);
    m.poll_start(k, 2.0); // in flight: its end schedules
    assert_eq!(take(&mut m), vec![], "no second call while one runs");
    assert!(m.poll_settled(k, serial, true, 30.0));
    m.poll_done(k, serial, true, 30.0);
    let (_, ms) = timer_of(&take(&mut m));
    assert_eq!(ms, 5.0);
}

#[test]
fn failures_are_swallowed_and_polling_goes_on() {
    let mut m = Machine::new();
    let k = new_poll(&mut m, 5.0, true);
    let (serial, _) = call_of(&take(&mut m));
    assert!(m.poll_begin(k, serial, 0.0));
    assert!(
        !m.poll_settled(k, serial, false, 1.0),
        "no onValue for a failure"
    );
    let (timer, _) = timer_of(&take(&mut m));
    m.timer_fired(timer, 6.0);
    let (serial, _) = call_of(&take(&mut m));
    assert!(m.poll_begin(k, serial, 6.0));
    assert!(m.poll_settled(k, serial, true, 7.0));
    m.poll_done(k, serial, false, 8.0); // onValue threw
    timer_of(&take(&mut m));
    assert_eq!(m.poll_status(k, 8.0).unwrap().poll_count, 2);
}

#[test]
fn stop_clears_the_timer_and_stale_reports_change_nothing() {
    let mut m = Machine::new();
    let k = new_poll(&mut m, 10.0, true);
    let (serial, _) = call_of(&take(&mut m));
    run_call(&mut m, k, serial, 0.0, 1.0);
    let (timer, _) = timer_of(&take(&mut m));
    m.poll_stop(k);
    assert_eq!(take(&mut m), vec![(CLEAR, timer, 0.0, 0.0)]);
    m.timer_fired(timer, 11.0);
    assert_eq!(take(&mut m), vec![], "a cleared timer never calls");
    // Reports of the old call: nothing.
    assert!(!m.poll_begin(k, serial, 12.0));
    assert!(!m.poll_settled(k, serial, true, 12.0));
    m.poll_done(k, serial, true, 12.0);
    assert_eq!(take(&mut m), vec![]);
    // start() calls at once (immediate); a PollCall made stale by
    // stop() + start() before JS applied it is refused.
    m.poll_start(k, 20.0);
    let (s1, _) = call_of(&take(&mut m));
    m.poll_stop(k);
    m.poll_start(k, 21.0);
    let (s2, _) = call_of(&take(&mut m));
    assert!(!m.poll_begin(k, s1, 21.0));
    assert!(m.poll_begin(k, s2, 21.0));
    // A PollCall that arrives after stop() is refused, and start() calls anew.
    assert!(m.poll_settled(k, s2, true, 22.0));
    m.poll_done(k, s2, true, 22.0);
    let (t, _) = timer_of(&take(&mut m));
    m.timer_fired(t, 32.0);
    let (s3, _) = call_of(&take(&mut m));
    m.poll_stop(k);
    assert!(!m.poll_begin(k, s3, 33.0));
    m.poll_start(k, 34.0);
    let (s4, _) = call_of(&take(&mut m));
    assert!(m.poll_begin(k, s4, 34.0));
}

#[test]
fn scope_disposal_kills_the_poll_once_and_releases_everything() {
    let mut m = Machine::new();
    let s = m.scope_new(None, None, ScopeSpec::default()).unwrap();
    take(&mut m);
    let k = m.poll_new(Some(s), None, Some(5.0), true, 0.0).unwrap();
    let (serial, node) = call_of(&take(&mut m));
    // JS reads the call's signal: the node is watched.
    assert_eq!(m.watch(node), crate::machine::signal::Watch::Live);
    assert!(m.poll_begin(k, serial, 0.0));
    assert_eq!(m.live().polls, 1);
    assert!(m.scope_dispose(s));
    let fx = take(&mut m);
    let abort = fx
        .iter()
        .position(|e| e.0 == Op::Abort as u8 && e.1 == node)
        .expect("the in-flight call's signal aborts");
    let end = fx.iter().position(|e| e.0 == END).expect("PollEnd");
    assert!(abort < end);
    assert_eq!(fx[end], (END, k.to_f64(), 1.0, 0.0));
    assert!(fx.contains(&(Op::ForgetNode as u8, node, 0.0, 0.0)));
    // The tombstone answers status() until JS frees it.
    let st = m.poll_status(k, 50.0).unwrap();
    assert!(!st.running);
    assert_eq!(st.poll_count, 1);
    assert_eq!(st.time_until_next, 0.0);
    m.poll_start(k, 50.0);
    assert!(!m.poll_settled(k, serial, true, 50.0));
    assert_eq!(take(&mut m), vec![], "dead is final");
    m.poll_free(k);
    assert_eq!(m.live(), Live::default());
}

#[test]
fn a_linked_signal_kills_every_poll_and_unlinks_once() {
    let mut m = Machine::new();
    let l = m.link(None, false);
    let a = m.poll_new(None, Some(l), Some(1000.0), true, 0.0).unwrap();
    let b = m.poll_new(None, Some(l), Some(1000.0), false, 0.0).unwrap();
    take(&mut m);
    m.poll_start(b, 1.0);
    take(&mut m);
    m.link_aborted(l.to_f64());
    let fx = take(&mut m);
    let ends: Vec<_> = fx.iter().filter(|e| e.0 == END).map(|e| e.1).collect();
    assert_eq!(ends, vec![a.to_f64(), b.to_f64()]);
    assert_eq!(
        fx.iter().filter(|e| e.0 == Op::Unlink as u8).count(),
        1,
        "one listener, removed once: {fx:?}"
    );
    assert!(fx.iter().any(|e| e.0 == CLEAR), "b's timer is cleared");
    m.poll_free(a);
    m.poll_free(b);
    // Reasons go with the nodes.
    assert_eq!(m.live(), Live::default());
}

#[test]
fn bad_interval_is_refused_and_changes_nothing() {
    let mut m = Machine::new();
    for bad in [0.0, -5.0, f64::NAN, f64::INFINITY] {
        let l = m.link(None, false);
        take(&mut m);
        match m.poll_new(None, Some(l), Some(bad), true, 0.0) {
            Err(PollRefused::Fail(f)) => {
                assert_eq!(f.kind, FailKind::RangeError);
                assert_eq!(f.message, POLL_INTERVAL);
                assert!(f.number == bad || bad.is_nan());
            }
            other => panic!("{bad}: {other:?}"),
        }
        assert_eq!(ops(&take(&mut m)), vec![Op::Unlink as u8]);
        assert_eq!(m.live(), Live::default());
    }
    // Default interval and huge intervals are accepted; a huge one is never
    // set as a JS timer.
    let k = m.poll_new(None, None, None, false, 0.0).unwrap();
    m.poll_start(k, 0.0);
    assert_eq!(timer_of(&take(&mut m)).1, DEFAULT_INTERVAL_MS);
    let k = new_poll(&mut m, 1e300, false);
    m.poll_start(k, 0.0);
    assert_eq!(take(&mut m), vec![]);
}

#[test]
fn an_aborted_signal_or_scope_refuses_the_poll() {
    let mut m = Machine::new();
    let l = m.link(None, true);
    take(&mut m);
    assert_eq!(
        m.poll_new(None, Some(l), None, true, 0.0),
        Err(PollRefused::Aborted)
    );
    assert_eq!(m.live(), Live::default(), "the unused link is dropped");
    let s = m.scope_new(None, None, ScopeSpec::default()).unwrap();
    assert!(m.scope_dispose(s));
    take(&mut m);
    assert_eq!(m.live(), Live::default());
    assert_eq!(
        m.poll_new(Some(s), None, None, true, 0.0),
        Err(PollRefused::Aborted),
        "a scope that finished disposing"
    );
    assert_eq!(take(&mut m), vec![]);
}

// ---- property test: a faithful executor over random interleavings --------

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use super::*;
    use proptest::prelude::*;

    /// What the simulated JS side can do next.
    #[derive(Clone, Debug)]
    enum Act {
        /// Apply the oldest queued `PollCall` (begin and call `fn`).
        ApplyCall,
        /// The running `fn` settles (ok or not).
        FnSettles(bool),
        /// The running `onValue` returns (ok or not).
        ValueReturns(bool),
        /// The oldest live timer fires.
        Fire,
        Start,
        Stop,
        Status,
        /// The signal aborts.
        Abort,
    }

    fn act() -> impl Strategy<Value = Act> {
        prop_oneof![
            4 => Just(Act::ApplyCall),
            3 => any::<bool>().prop_map(Act::FnSettles),
            3 => any::<bool>().prop_map(Act::ValueReturns),
            4 => Just(Act::Fire),
            2 => Just(Act::Start),
            2 => Just(Act::Stop),
            1 => Just(Act::Status),
            1 => Just(Act::Abort),
        ]
    }

    /// The executor's side: what is queued, running, armed.
    #[derive(Default)]
    struct Js {
        calls: Vec<u32>,
        /// The serial of the newest `PollCall`: only it may begin.
        newest: u32,
        timers: Vec<f64>,
        /// `fn` (false) or `onValue` (true) running, for serial.
        running: Option<(u32, bool)>,
        /// Everything `fn` or `onValue` ever ran at once.
        max_running: usize,
        fn_calls: u64,
        ended: bool,
    }

    impl Js {
        fn apply(&mut self, m: &mut Machine, k: Key) {
            for (op, a, b, _) in take(m) {
                match op {
                    CALL => {
                        self.calls.push(b as u32);
                        self.newest = b as u32;
                    }
                    SET => self.timers.push(a),
                    CLEAR => self.timers.retain(|t| *t != a),
                    END => {
                        assert!(!self.ended, "PollEnd once");
                        assert_eq!(a, k.to_f64());
                        assert_eq!(b as u64, self.fn_calls);
                        self.ended = true;
                        m.poll_free(k);
                    }
                    _ => {}
                }
            }
            assert!(self.timers.len() <= 1, "at most one timer armed");
        }
    }

    proptest! {
        #![proptest_config(crate::core::prop_config())]

        #[test]
        fn never_overlaps_and_leaves_nothing_behind(
            immediate in any::<bool>(),
            acts in prop::collection::vec(act(), 0..120),
        ) {
            let mut m = Machine::new();
            let l = m.link(None, false);
            let k = m.poll_new(None, Some(l), Some(10.0), immediate, 0.0).unwrap();
            let mut js = Js::default();
            let mut now = 0.0;
            js.apply(&mut m, k);
            for a in acts {
                now += 1.0;
                match a {
                    Act::ApplyCall => {
                        if !js.calls.is_empty() {
                            let serial = js.calls.remove(0);
                            if m.poll_begin(k, serial, now) {
                                prop_assert!(js.running.is_none(), "overlap");
                                prop_assert_eq!(serial, js.newest, "a stale call began");
                                prop_assert!(!js.ended, "a call after death");
                                js.running = Some((serial, false));
                                js.fn_calls += 1;
                                js.max_running = js.max_running.max(1);
                            }
                        }
                    }
                    Act::FnSettles(ok) => {
                        if let Some((serial, false)) = js.running {
                            let value = m.poll_settled(k, serial, ok, now);
                            js.running = if value { Some((serial, true)) } else { None };
                            prop_assert!(!value || ok, "onValue only for a value");
                            if js.ended { prop_assert!(!value); }
                        }
                    }
                    Act::ValueReturns(ok) => {
                        if let Some((serial, true)) = js.running {
                            m.poll_done(k, serial, ok, now);
                            js.running = None;
                        }
                    }
                    Act::Fire => {
                        if !js.timers.is_empty() {
                            let t = js.timers.remove(0);
                            m.timer_fired(t, now);
                        }
                    }
                    Act::Start => m.poll_start(k, now),
                    Act::Stop => m.poll_stop(k),
                    Act::Status => {
                        if let Some(s) = m.poll_status(k, now) {
                            prop_assert_eq!(s.poll_count, js.fn_calls);
                            prop_assert!(s.time_until_next >= 0.0);
                            if !s.running { prop_assert_eq!(s.time_until_next, 0.0); }
                        }
                    }
                    Act::Abort => m.link_aborted(l.to_f64()),
                }
                // The dead poll's in-flight call is forgotten by JS too.
                js.apply(&mut m, k);
                if js.ended { js.running = None; }
            }
            // In the end the signal aborts: nothing is left.
            m.link_aborted(l.to_f64());
            js.apply(&mut m, k);
            prop_assert!(js.ended);
            prop_assert!(js.timers.is_empty());
            prop_assert_eq!(m.live(), Live::default());
        }
    }
}
