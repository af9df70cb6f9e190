// A hand-written token bucket: what a careful programmer writes without a
// library, with the same rules as go-go-scope-wasm's TokenBucket (refill by
// the clock, FIFO waiters, one timer for the first waiter's tokens).
export class TokenBucket {
  constructor({ capacity, refillRate, initialTokens = capacity }) {
    this.capacity = capacity;
    this.rate = refillRate / 1000;
    this.tokens = initialTokens;
    this.stamp = Date.now();
    this.queue = [];
    this.head = 0;
    this.timer = undefined;
  }

  refill() {
    const now = Date.now();
    if (now > this.stamp) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.stamp) * this.rate);
      this.stamp = now;
    }
  }

  tryAcquire(n = 1) {
    this.refill();
    if (this.head === this.queue.length && this.tokens >= n) {
      this.tokens -= n;
      return true;
    }
    return false;
  }

  acquire(n = 1) {
    if (this.tryAcquire(n)) return Promise.resolve();
    return new Promise((resolve) => {
      this.queue.push({ n, resolve });
      if (this.queue.length - this.head === 1) this.arm();
    });
  }

  arm() {
    clearTimeout(this.timer);
    this.timer = undefined;
    const w = this.queue[this.head];
    if (w === undefined || this.rate <= 0) return;
    this.timer = setTimeout(() => this.pump(), Math.ceil((w.n - this.tokens) / this.rate));
  }

  pump() {
    this.refill();
    while (this.head < this.queue.length && this.tokens >= this.queue[this.head].n) {
      const w = this.queue[this.head];
      this.queue[this.head++] = undefined;
      this.tokens -= w.n;
      w.resolve();
    }
    if (this.head === this.queue.length) this.queue.length = this.head = 0;
    this.arm();
  }
}
