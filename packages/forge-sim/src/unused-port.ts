// A port on 127.0.0.1 that nothing listens on: the "connection refused" fault, which no answer of the
// simulator can stand for (tests of the transport's "certainly not sent" rule need a real refusal).
import { createServer } from 'node:net';

export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
