// A minimal hand-written JavaScript channel: the baseline for the channel
// workloads. A ring buffer of `capacity` values plus two FIFO queues of
// resolvers (waiting receivers, waiting senders with their value).
// Same contract as go-go-scope's Channel for the benchmarked paths:
// send() → Promise<boolean>, receive() → Promise<value | undefined>,
// close(); capacity 0 is a rendezvous.

class Queue {
  constructor() {
    this.items = [];
    this.head = 0;
  }
  get length() {
    return this.items.length - this.head;
  }
  push(v) {
    this.items.push(v);
  }
  shift() {
    const v = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }
}

export class Channel {
  constructor(capacity = 0) {
    this.cap = capacity;
    this.buf = new Array(Math.max(capacity, 1));
    this.start = 0;
    this.size = 0;
    this.closed = false;
    this.receivers = new Queue(); // resolve functions
    this.senders = new Queue(); // { value, resolve }
  }

  send(value) {
    if (this.closed) return Promise.resolve(false);
    if (this.receivers.length > 0) {
      this.receivers.shift()(value);
      return Promise.resolve(true);
    }
    if (this.size < this.cap) {
      this.buf[(this.start + this.size++) % this.cap] = value;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.senders.push({ value, resolve }));
  }

  receive() {
    if (this.size > 0) {
      const v = this.buf[this.start];
      this.buf[this.start] = undefined;
      this.start = (this.start + 1) % this.cap;
      this.size--;
      if (this.senders.length > 0) {
        // A waiting sender's value takes the freed slot.
        const s = this.senders.shift();
        this.buf[(this.start + this.size++) % this.cap] = s.value;
        s.resolve(true);
      }
      return Promise.resolve(v);
    }
    if (this.senders.length > 0) {
      const s = this.senders.shift();
      s.resolve(true);
      return Promise.resolve(s.value);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.receivers.push(resolve));
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    while (this.receivers.length > 0) this.receivers.shift()(undefined);
    while (this.senders.length > 0) this.senders.shift().resolve(false);
  }
}
