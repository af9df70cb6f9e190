// A baseline that follows go-go-scope 1.0's channel algorithm (issue 20):
// the Channel class of thelinuxlich/go-go-scope, src/index.ts at the 1.0.0
// commit c28cebd, rewritten here in plain JS (not copied, not imported) with
// the same data structures and the same steps per operation:
//
// - the buffer is a plain array: send() push()es, receive() reads at a head
//   index and compacts with slice() once the head passes 100 and half the
//   array (1.0's "avoids O(n) shift");
// - waiting senders and waiting receivers are two arrays of
//   { resolve, reject } records, each read at its own head index; a record
//   is pushed per blocked operation and the arrays are only emptied by
//   close() (1.0 never compacts them while the channel is open);
// - every blocked operation makes a promise (`new Promise`), every immediate
//   one returns `Promise.resolve(...)`;
// - a blocked sender's record holds a closure that pushes its value into the
//   buffer when a receive frees a slot, then resolves the sender's promise;
// - close() rejects waiting senders (with the abort reason, unset unless
//   the scope aborted) and resolves waiting receivers with undefined.
//
// The only departure: in 1.0 a receive on an empty buffer does not look at
// waiting senders, so on a capacity-0 channel a sender that blocks before
// its receiver arrives is never woken (1.0's unbuffered channel hangs when
// the send comes first; the ping-pong workload does exactly that). Here such
// a receive wakes the first waiting sender (its closure pushes the value)
// and takes the value from the buffer: the same steps 1.0 takes for a full
// buffer, one promise per blocked operation, nothing cheaper. Every other
// path is 1.0's.
//
// The bench makes it with no parent signal, as a plain async program would
// (1.0's scope.channel() adds one abort listener per channel: a cost per
// channel, not per message).
//
// Same contract as ./channel.mjs for the benchmarked paths: send() →
// Promise<boolean>, receive() → Promise<value | undefined>, close().

export class Channel {
  constructor(capacity = 0, parentSignal) {
    this.capacity = capacity;
    this.buffer = [];
    this.bufferHead = 0;
    this.sendQueue = [];
    this.sendQueueHead = 0;
    this.receiveQueue = [];
    this.receiveQueueHead = 0;
    this.closed = false;
    this.aborted = false;
    this.abortReason = undefined;
    if (parentSignal) {
      parentSignal.addEventListener(
        "abort",
        () => {
          this.aborted = true;
          this.abortReason = parentSignal.reason;
          this.drainQueues();
        },
        { once: true },
      );
    }
  }

  get bufferSize() {
    return this.buffer.length - this.bufferHead;
  }

  send(value) {
    if (this.closed) return Promise.resolve(false);
    if (this.aborted) return Promise.reject(this.abortReason);
    // A waiting receiver takes the value directly.
    while (this.receiveQueueHead < this.receiveQueue.length) {
      const receiver = this.receiveQueue[this.receiveQueueHead++];
      if (receiver) {
        receiver.resolve(value);
        return Promise.resolve(true);
      }
    }
    if (this.bufferSize < this.capacity) {
      this.buffer.push(value);
      return Promise.resolve(true);
    }
    // Wait for a slot: the value is pushed when a receive frees one.
    return new Promise((resolve, reject) => {
      this.sendQueue.push({
        resolve: () => {
          this.buffer.push(value);
          resolve(true);
        },
        reject,
      });
    });
  }

  receive() {
    if (this.aborted) return Promise.reject(this.abortReason);
    // (the departure, see the header: an empty buffer with a waiting sender
    // on a rendezvous channel wakes the sender, which pushes its value)
    if (this.bufferSize === 0 && this.capacity === 0) this.wakeSender();
    if (this.bufferSize > 0) {
      const value = this.buffer[this.bufferHead++];
      // Compact the buffer now and then.
      if (this.bufferHead > 100 && this.bufferHead > this.buffer.length / 2) {
        this.buffer = this.buffer.slice(this.bufferHead);
        this.bufferHead = 0;
      }
      // A waiting sender's value takes the freed slot.
      if (this.capacity > 0) this.wakeSender();
      return Promise.resolve(value);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      this.receiveQueue.push({ resolve, reject });
    });
  }

  wakeSender() {
    while (this.sendQueueHead < this.sendQueue.length) {
      const sender = this.sendQueue[this.sendQueueHead++];
      if (sender) {
        sender.resolve();
        break;
      }
    }
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.drainQueues();
  }

  drainQueues() {
    for (let i = this.sendQueueHead; i < this.sendQueue.length; i++) {
      const sender = this.sendQueue[i];
      if (sender) sender.reject(this.abortReason);
    }
    this.sendQueue.length = 0;
    this.sendQueueHead = 0;
    for (let i = this.receiveQueueHead; i < this.receiveQueue.length; i++) {
      const receiver = this.receiveQueue[i];
      if (receiver) receiver.resolve(undefined);
    }
    this.receiveQueue.length = 0;
    this.receiveQueueHead = 0;
  }
}
