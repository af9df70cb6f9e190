// A minimal hand-written JavaScript select over receives: the baseline for
// the select workload. Its channel is bench/baselines/channel.mjs's with
// withdrawable receivers: a waiting receive is an entry { resolve, dead }
// that a select marks dead when another of its cases fired (the send path
// skips dead entries), so a losing case takes nothing.

export class SelChannel {
  constructor(capacity = 0) {
    this.cap = capacity;
    this.buf = [];
    this.receivers = []; // { resolve, dead }
    this.rhead = 0;
  }

  /** Removes the dead receivers at the front. */
  live() {
    while (this.rhead < this.receivers.length && this.receivers[this.rhead].dead) this.receivers[this.rhead++] = undefined;
    if (this.rhead > 1024 && this.rhead * 2 > this.receivers.length) {
      this.receivers = this.receivers.slice(this.rhead);
      this.rhead = 0;
    }
    return this.rhead < this.receivers.length;
  }

  send(value) {
    if (this.live()) {
      const r = this.receivers[this.rhead];
      this.receivers[this.rhead++] = undefined;
      r.resolve(value);
      return Promise.resolve(true);
    }
    if (this.buf.length < this.cap) {
      this.buf.push(value);
      return Promise.resolve(true);
    }
    return Promise.resolve(false); // (not reached in the workload: nobody sends into a full buffer)
  }

  ready() {
    return this.buf.length > 0;
  }
}

/** The first ready case in order fires, else the first to become ready; `cases`: [[channel, then]]. */
export function select(cases) {
  for (const [ch, then] of cases) {
    if (ch.ready()) return Promise.resolve([undefined, then(ch.buf.shift())]);
  }
  return new Promise((resolve) => {
    const entries = cases.map(([ch, then]) => {
      const e = {
        dead: false,
        resolve: (v) => {
          for (const o of entries) o.dead = true;
          resolve([undefined, then(v)]);
        },
      };
      ch.receivers.push(e);
      return e;
    });
  });
}
