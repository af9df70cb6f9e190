// Progress for the longer demos. On a terminal, one line redrawn in place
// (a count, or the seconds spent waiting); when the output is piped (the
// tests, CI logs), nothing until the closing line. EXAMPLES_PROGRESS=1 forces
// the terminal form, EXAMPLES_PROGRESS=0 turns it off.
const tty = process.env.EXAMPLES_PROGRESS ? process.env.EXAMPLES_PROGRESS === "1" : !!process.stdout.isTTY;

function draw(text: string) {
  if (tty) process.stdout.write(`\r\x1b[2K${text}`);
}
function clear() {
  if (tty) process.stdout.write("\r\x1b[2K");
}

/** A counter: `tick()` redraws "label n" on a terminal; `done()` clears it. */
export function counter(label: string) {
  let n = 0;
  return {
    tick() {
      n++;
      draw(`  ${label} ${n}`);
      return n;
    },
    get count() {
      return n;
    },
    done() {
      clear();
      return n;
    },
  };
}

/**
 * Starts showing the seconds spent (with a bar towards `expectedMs`) until
 * the returned function is called, so a snippet in between stays as written.
 */
export function elapsed(label: string, expectedMs: number): () => void {
  const t0 = Date.now();
  const width = 20;
  const render = () => {
    const ms = Date.now() - t0;
    const filled = Math.min(width, Math.round((ms / expectedMs) * width));
    draw(`  ${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${(ms / 1000).toFixed(1)} s`);
  };
  render();
  const timer = tty ? setInterval(render, 100) : undefined;
  return () => {
    clearInterval(timer);
    clear();
  };
}
