// A port on 127.0.0.1 that nothing listens on: the "connection refused" fault, which no answer of the
// simulator can stand for (tests of the transport's "certainly not sent" rule need a real refusal).
//
// The port is taken from below the kernel's ephemeral range: a port that `listen(0)` handed out and
// gave back could be handed out again at once to a simulator or server another test starts
// meanwhile (tests run side by side), and the "refused" request then reached it (seen: a CLI test
// that expected exit 6 got a 4xx from some sim). Below that range the kernel hands out none; a port
// is checked free by listening on it for a moment.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The first port of Linux's ephemeral range (32768 by default, and where it cannot be read). */
function ephemeralStart(): number {
  try {
    const first = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
    return Number.isInteger(first) && first > 2048 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

function listensOn(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function unusedPort(): Promise<number> {
  const top = ephemeralStart() - 1;
  const span = Math.min(10_000, top - 1024);
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = top - Math.floor(Math.random() * span);
    if (await listensOn(port)) return port;
  }
  throw new Error(`no free port below ${top + 1} on 127.0.0.1 after 50 tries`);
}
