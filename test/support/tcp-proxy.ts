import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of a real service, to cut the network under a real client:
 * `down()` closes the port (connection refused, sockets reset), `up()` opens it again on the
 * same port, `hold()` keeps connections open but stops delivering what the client sends until
 * `release()` (a request that left the client and lands late); `holdAfterNextReply()` does so
 * once the service has answered something (a transaction's read goes through, its commit is
 * held). Bytes are never changed.
 */
export class TcpProxy {
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #port = 0;
  #held: (() => void)[] | undefined;
  #holdAfterReply = false;
  #onConnection: (() => void)[] = [];

  private constructor(target: string) {
    const [host, port] = target.split(':');
    this.#target = { host: host!, port: Number(port) };
  }

  /** Starts forwarding to `target` (`host:port`) on a free loopback port. */
  static async start(target: string): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await proxy.up();
    return proxy;
  }

  /** `127.0.0.1:PORT`, stable across down()/up(). */
  get host(): string {
    return `127.0.0.1:${this.#port}`;
  }

  async up(): Promise<void> {
    if (this.#server) return;
    const server = createServer((client) => this.#pipe(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  async down(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  hold(): void {
    this.#held ??= [];
  }

  holdAfterNextReply(): void {
    this.#holdAfterReply = true;
  }

  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    this.#holdAfterReply = false;
    for (const deliver of held) deliver();
  }

  /**
   * Resolves when a client next connects: after `up()`, the moment a client whose connection
   * attempts failed while the port was closed is back (it retries after its own backoff).
   */
  nextConnection(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no client connected within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#onConnection.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.release();
    await this.down();
  }

  #pipe(client: Socket): void {
    for (const notify of this.#onConnection.splice(0)) notify();
    const upstream = connect(this.#target.port, this.#target.host);
    this.#sockets.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    upstream.on('data', (chunk: Buffer) => {
      client.write(chunk);
      if (this.#holdAfterReply) {
        this.#holdAfterReply = false;
        this.hold();
      }
    });
    client.on('data', (chunk: Buffer) => {
      const deliver = () => upstream.write(chunk);
      if (this.#held) this.#held.push(deliver);
      else deliver();
    });
  }
}
